// The queues screen (issue 12, item 6) in the real browser: an admin adds a queue, sets its hours, skills,
// longest wait and overflow (a bad time zone and a bad hour are refused beside their fields), picks its
// members and levels and a service target; each lands in the database. A supervisor reads it all.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openTeamScreen } from "../support/browser.ts";
import { createAgent, createQueue } from "../support/factories.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let member: { id: string; name: string };

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  member = await createAgent(t.pool, { name: "Quinn Queue" });
  await createQueue(t.pool, { name: "Support" });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const signedIn = (role: "admin" | "supervisor") => openTeamScreen(browser, t, { role, tab: "queues", height: 1400 });

const queueRow = async (name: string) => (await t.pool.query(`SELECT * FROM queues WHERE name = $1`, [name])).rows[0];

describe("the queues screen", () => {
  it("an admin adds a queue and sets its hours, overflow, members and a target", async () => {
    const page = await signedIn("admin");
    await page.getByLabel("New queue name").fill("Returns");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await eventually(() => queueRow("Returns"));
    const form = page.getByTestId("queue-settings-form");
    await expect.poll(() => form.getByLabel("Queue name").inputValue()).toBe("Returns");

    await form.getByLabel("Time zone").fill("Mars/Olympus");
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.getByTestId("queue-error-timezone").waitFor();
    await form.getByLabel("Time zone").fill("Europe/Paris");
    await form.getByLabel("Hours on Monday").fill("09:00-25:00");
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.getByTestId("queue-error-hours").waitFor();
    await form.getByLabel("Hours on Monday").fill("09:00-12:00, 13:00-17:00");
    await form.getByLabel("Required skills").fill("returns, french");
    await form.getByLabel("Longest wait", { exact: true }).fill("600");
    await form.getByLabel("Overflow queue").selectOption({ label: "Support" });
    await form.getByLabel("Overflow after").fill("300");
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.getByText("Saved.").waitFor();
    const stored = await queueRow("Returns");
    expect(stored).toMatchObject({ timezone: "Europe/Paris", required_skills: ["returns", "french"], max_wait_seconds: 600, overflow_after_seconds: 300 });
    expect(stored.business_hours).toEqual({ mon: [["09:00", "12:00"], ["13:00", "17:00"]] });
    expect(stored.overflow_queue_id).toBe((await queueRow("Support")).id);

    const members = page.getByTestId("queue-members");
    await members.getByLabel(`${member.name} serves this queue`).check();
    await members.getByLabel(`Level of ${member.name}`).fill("8");
    await members.getByRole("button", { name: "Save members" }).click();
    await members.getByText("Members saved.").waitFor();
    expect((await t.pool.query(`SELECT level FROM queue_members WHERE queue_id = $1 AND agent_id = $2`, [stored.id, member.id])).rows).toEqual([{ level: 8 }]);

    const targets = page.getByTestId("queue-targets");
    await targets.getByLabel("Target for Gold on SMS").fill("120");
    await targets.getByRole("button", { name: "Save targets" }).click();
    await targets.getByText("Targets saved.").waitFor();
    expect((await t.pool.query(`SELECT seconds FROM service_targets WHERE queue_id = $1 AND tier = 'gold' AND channel = 'sms'`, [stored.id])).rows).toEqual([{ seconds: 120 }]);
    await page.screenshot({ path: join(tmpdir(), "switchboard-admin-queues.png"), fullPage: true });
  });

  it("a supervisor reads the queues without changing them", async () => {
    const page = await signedIn("supervisor");
    await page.getByTestId("queue-item").filter({ hasText: "Returns" }).click();
    await expect.poll(() => page.getByTestId("queue-settings-form").getByLabel("Queue name").inputValue()).toBe("Returns");
    expect(await page.getByTestId("queue-settings-form").getByLabel("Queue name").isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Save settings" }).count()).toBe(0);
    expect(await page.getByLabel("New queue name").count()).toBe(0);
  });
});
