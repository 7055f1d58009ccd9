// The Team screens in a real browser: an admin adds an agent (the server's field error and the taken
// email are shown), the agent signs in elsewhere, the admin deactivates them and their open workspace
// is signed out at once, and the audit log lists it all. A supervisor only reads; an agent is refused.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signedInPage(email: string, password = TEST_PASSWORD): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signInThroughForm(page, t.url, email, password);
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
  return page;
}

const row = (page: Page, email: string) => page.locator(`[data-testid="agent-row"][data-agent-email="${email}"]`);

describe("the Team screens", () => {
  it("let an admin add an agent, who signs in, and deactivate them: their workspace is signed out at once, and the audit log shows it", async () => {
    const admin = await createAgent(t.pool, { role: "admin", name: "Ada Admin" });
    const taken = await createAgent(t.pool, { name: "Tess Taken" });
    const page = await signedInPage(admin.email);
    await page.screenshot({ path: "/tmp/switchboard-admin-header.png" });
    await page.getByTestId("open-admin").click();
    await page.getByTestId("agents-table").waitFor();
    expect(new URL(page.url()).hash).toBe("#admin");

    await page.getByTestId("add-agent").click();
    await page.getByTestId("agent-name").fill("Nora New");
    await page.getByTestId("agent-email").fill("nora@example.test");
    await page.getByTestId("agent-password").fill("too short");
    await page.getByTestId("agent-skills").fill("billing, spanish");
    await page.getByTestId("agent-capacity-chat").fill("4");
    await page.getByTestId("agent-save").click();
    await page.getByTestId("field-error-password").waitFor();
    await page.screenshot({ path: "/tmp/switchboard-admin-password-error.png" });

    await page.getByTestId("agent-email").fill(taken.email);
    await page.getByTestId("agent-password").fill("a long initial password");
    await page.getByTestId("agent-save").click();
    await page.locator(`[data-testid="agent-form-problem"][data-error-code="CONFLICT"]`).waitFor();
    expect(await page.getByTestId("field-error-password").count()).toBe(0);
    await page.screenshot({ path: "/tmp/switchboard-admin-email-taken.png" });

    await page.getByTestId("agent-email").fill("nora@example.test");
    await page.getByTestId("agent-save").click();
    await row(page, "nora@example.test").waitFor();
    const stored = await t.pool.query(`SELECT role, skills, capacity_chat FROM agents WHERE email = 'nora@example.test'`);
    expect(stored.rows).toEqual([{ role: "agent", skills: ["billing", "spanish"], capacity_chat: 4 }]);
    await page.screenshot({ path: "/tmp/switchboard-admin-agents.png" });

    const nora = await signedInPage("nora@example.test", "a long initial password");
    expect(await nora.getByTestId("open-admin").count()).toBe(0);
    // Her presence reaches the admin's table live.
    await nora.getByTestId("presence-select").selectOption("available");
    await row(page, "nora@example.test").locator("td", { hasText: "available" }).waitFor();

    await row(page, "nora@example.test").getByTestId("agent-edit").click();
    await page.getByTestId("edit-agent-form").getByTestId("agent-skills").fill("billing, french");
    await page.getByTestId("edit-agent-form").getByTestId("agent-role").selectOption("supervisor");
    await page.getByTestId("edit-agent-form").getByTestId("agent-save").click();
    await row(page, "nora@example.test").getByTestId("agent-row-skills").filter({ hasText: "billing, french" }).waitFor();
    expect(await row(page, "nora@example.test").getByTestId("agent-row-role").textContent()).toBe("supervisor");

    await row(page, "nora@example.test").getByTestId("agent-deactivate").click();
    await page.getByTestId("deactivate-confirm").waitFor();
    await page.screenshot({ path: "/tmp/switchboard-admin-deactivate-confirm.png" });
    await page.getByTestId("deactivate-confirm-button").click();
    await row(page, "nora@example.test").getByTestId("agent-row-status").filter({ hasText: "deactivated" }).waitFor();
    // Nora's open workspace drops to the sign-in form without her doing anything.
    await nora.getByTestId("signin-email").waitFor();

    await page.getByTestId("admin-tab-audit").click();
    await page.getByTestId("audit-table").waitFor();
    await expect.poll(async () => (await page.getByTestId("audit-row-action").allTextContents()).slice(0, 3)).toEqual(["agent_deactivated", "agent_updated", "agent_created"]);
    await page.getByTestId("audit-action").fill("agent_created");
    await page.getByTestId("audit-apply").click();
    await expect.poll(async () => await page.getByTestId("audit-row-action").allTextContents()).toEqual(["agent_created"]);
    expect(await page.getByTestId("audit-row").first().textContent()).toContain("Ada Admin");
    await page.screenshot({ path: "/tmp/switchboard-admin-audit.png" });

    await page.getByTestId("back-to-workspace").click();
    await page.getByTestId("open-admin").waitFor();
    expect(await page.getByTestId("admin-page").count()).toBe(0);
  });

  it("let an admin set an agent's forward phone (a bad one refused) and unlock their sign-in", async () => {
    const admin = await createAgent(t.pool, { role: "admin", name: "Ida Admin" });
    const agent = await createAgent(t.pool, { name: "Phil Phone", email: "phil@example.test" });
    const page = await signedInPage(admin.email);
    await page.goto(`${t.url}/#admin`);
    await row(page, agent.email).getByTestId("agent-edit").click();
    const access = page.getByTestId("agent-access");
    await access.getByLabel("Forward phone").fill("not a phone");
    await access.getByRole("button", { name: "Save phone" }).click();
    await page.getByRole("alert").or(access.getByTestId("forward-phone-error")).first().waitFor();
    expect((await t.pool.query(`SELECT forward_phone FROM agents WHERE id = $1`, [agent.id])).rows[0].forward_phone).toBeNull();
    await access.getByLabel("Forward phone").fill("+14155550123");
    await access.getByRole("button", { name: "Save phone" }).click();
    await access.getByTestId("agent-access-note").filter({ hasText: "ring this phone" }).waitFor();
    expect((await t.pool.query(`SELECT forward_phone FROM agents WHERE id = $1`, [agent.id])).rows[0].forward_phone).toBe("+14155550123");
    await access.getByTestId("agent-unlock").click();
    await access.getByTestId("agent-access-note").filter({ hasText: /unlocked|not locked/ }).waitFor();
    const audit = await t.pool.query(`SELECT action FROM audit_events WHERE entity_id = $1 ORDER BY created_at`, [agent.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(["agent_unlocked"]));
  });

  it("show a supervisor the team without the admin buttons, and no audit log", async () => {
    const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sue Supervisor" });
    const page = await signedInPage(supervisor.email);
    await page.getByTestId("open-admin").click();
    await row(page, supervisor.email).waitFor();
    expect(await page.getByTestId("add-agent").count()).toBe(0);
    expect(await page.getByTestId("agent-edit").count()).toBe(0);
    expect(await page.getByTestId("agent-deactivate").count()).toBe(0);
    expect(await page.getByTestId("admin-tab-audit").count()).toBe(0);
    await page.screenshot({ path: "/tmp/switchboard-admin-supervisor.png" });
  });

  it("refuse an agent who opens #admin", async () => {
    const agent = await createAgent(t.pool, { name: "Andy Agent" });
    const page = await signedInPage(agent.email);
    expect(await page.getByTestId("open-admin").count()).toBe(0);
    await page.goto(`${t.url}/#admin`);
    await page.getByTestId("admin-refused").waitFor();
    expect(await page.getByTestId("agents-table").count()).toBe(0);
    expect(await page.getByTestId("add-agent").count()).toBe(0);
    await page.screenshot({ path: "/tmp/switchboard-admin-refused.png" });
  });
});
