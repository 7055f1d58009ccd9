// Follow-ups in the real browser: a reminder set in the customer panel shows in the work list's due list
// when it fires (and the notice says so), and is marked done there; a conversation snoozed from its
// header leaves the active list for the Snoozed group.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createConversation } from "../support/conversations.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
let conversationId: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const wanda = await createAgent(t.pool, { name: "Wanda Writer" });
  conversationId = (await createConversation(t.pool, { assignedAgentId: wanda.id })).id;
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await signInThroughForm(page, t.url, wanda.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The datetime-local value of a moment `ms` from now, in the browser's own time zone. */
const localInputIn = (ms: number) =>
  page.evaluate((at) => {
    const d = new Date(at);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }, Date.now() + ms);

describe("follow-ups in the workspace", () => {
  it("sets a reminder in the customer panel; it shows in the due list when it fires, and is marked done there", async () => {
    await page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).click();
    const section = page.getByTestId("reminders-section");
    await section.waitFor();
    await page.getByTestId("reminder-when").selectOption("pick");
    await page.getByTestId("reminder-at").fill(await localInputIn(5000));
    await page.getByTestId("reminder-note").fill("Call Pat back about the refund");
    await page.getByTestId("reminder-submit").click();
    const listed = section.getByTestId("customer-reminder").filter({ hasText: "Call Pat back about the refund" });
    await listed.waitFor();
    expect(await page.getByTestId("due-reminders").count()).toBe(0);

    const due = page.getByTestId("due-reminder").filter({ hasText: "Call Pat back about the refund" });
    await due.waitFor({ timeout: 20_000 });
    expect(await due.innerText()).toContain("Pat Customer");
    await expect.poll(() => page.getByTestId("work-notice").innerText()).toContain("Reminder for Pat Customer: Call Pat back about the refund");
    await expect.poll(() => listed.innerText()).toContain("Due");
    await page.screenshot({ path: join(tmpdir(), "switchboard-reminder-due.png") });

    await due.getByTestId("due-reminder-done").click();
    await due.waitFor({ state: "detached" });
    const { rows } = await t.pool.query(`SELECT fired_at, done_at FROM reminders WHERE note = 'Call Pat back about the refund'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].fired_at).not.toBeNull();
    expect(rows[0].done_at).not.toBeNull();
    // The customer panel follows: its list no longer holds it.
    await listed.waitFor({ state: "detached" });
  }, 60_000);

  it("snoozes the conversation from its header: it leaves the active list for the Snoozed group", async () => {
    const item = (within: string) => page.locator(`[data-testid="${within}"] [data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);
    const active = page.locator(`[aria-labelledby="mine-heading"] [data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);
    await active.waitFor();
    await page.getByTestId("snooze-select").selectOption("1h");
    await item("snoozed-list").waitFor();
    await active.waitFor({ state: "detached" });
    expect(await item("snoozed-list").innerText()).toMatch(/Snoozed until/);
    await page.getByTestId("unsnooze-button").waitFor();
    await expect.poll(() => page.getByTestId("conversation-status").innerText()).toBe("Snoozed");
    await page.screenshot({ path: join(tmpdir(), "switchboard-snoozed.png") });
    const { rows } = await t.pool.query(`SELECT status, snoozed_until > now() + interval '50 minutes' AS later FROM conversations WHERE id = $1`, [conversationId]);
    expect(rows[0]).toEqual({ status: "snoozed", later: true });
  });
});
