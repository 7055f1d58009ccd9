// The Team screens' settings in a real browser: a supervisor manages canned replies (the server's field
// errors and a taken shortcut shown beside the field) and an agent then finds the new one with "/"; an
// admin adds and retires an away reason and the agent's presence menu follows; a supervisor only reads them.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createAssignedConversation, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  await createQueue(t.pool, { name: "Support" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signedInPage(email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signInThroughForm(page, t.url, email, TEST_PASSWORD);
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
  return page;
}

async function openTab(page: Page, tab: "canned" | "away") {
  await page.getByTestId("open-admin").click();
  await page.getByTestId(`admin-tab-${tab}`).click();
  await page.getByTestId(`${tab}-screen`).waitFor();
  expect(new URL(page.url()).hash).toBe(`#admin=${tab}`);
}

const cannedRow = (page: Page, shortcut: string) => page.locator(`[data-testid="canned-row"][data-shortcut="${shortcut}"]`);
const awayRow = (page: Page, name: string) => page.locator(`[data-testid="away-row"][data-name="${name}"]`);
const presenceOptions = async (page: Page) => (await page.getByTestId("presence-select").locator("option").allTextContents()).join("|");

describe("canned replies on the Team screens", () => {
  it("let a supervisor add one (field errors and a taken shortcut shown on the field), edit and delete, and an agent finds the new one with /", async () => {
    const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
    const taken = await t.api(await t.login(supervisor.email), "POST", "/api/canned-replies", { title: "Greeting", shortcut: "greet", body: "Hello!" });
    expect(taken.status).toBe(201);
    const page = await signedInPage(supervisor.email);
    await openTab(page, "canned");
    await cannedRow(page, "greet").waitFor();

    await page.getByTestId("add-canned").click();
    expect(await page.getByTestId("canned-variables-help").textContent()).toContain("{{customer.firstName}}");
    await page.getByTestId("canned-title").fill("Thanks");
    await page.getByTestId("canned-shortcut").fill("Not A Shortcut!");
    await page.getByTestId("canned-body").fill("Thanks {{customer.firstName}}!");
    await page.getByTestId("canned-save").click();
    await page.getByTestId("canned-field-error-shortcut").waitFor();
    await page.screenshot({ path: "/tmp/switchboard-canned-invalid.png" });

    await page.getByTestId("canned-shortcut").fill("greet");
    await page.getByTestId("canned-save").click();
    await page.getByTestId("canned-field-error-shortcut").filter({ hasText: "/greet" }).waitFor();
    expect(await page.getByTestId("canned-form-problem").count()).toBe(0);
    await page.screenshot({ path: "/tmp/switchboard-canned-taken.png" });

    await page.getByTestId("canned-shortcut").fill("thanks");
    await page.getByTestId("canned-save").click();
    await cannedRow(page, "thanks").waitFor();

    await cannedRow(page, "thanks").getByTestId("canned-edit").click();
    await cannedRow(page, "thanks").getByTestId("canned-body").fill("Thank you, {{customer.firstName}}. {{agent.name}}");
    await cannedRow(page, "thanks").getByTestId("canned-save").click();
    await cannedRow(page, "thanks").getByTestId("canned-preview").filter({ hasText: "Thank you," }).waitFor();

    await cannedRow(page, "greet").getByTestId("canned-delete").click();
    await cannedRow(page, "greet").getByTestId("canned-confirm-delete").waitFor();
    await page.screenshot({ path: "/tmp/switchboard-canned-list.png" });
    await cannedRow(page, "greet").getByTestId("canned-delete-confirm").click();
    await cannedRow(page, "greet").waitFor({ state: "detached" });
    const stored = await t.pool.query(`SELECT shortcut, body FROM canned_replies ORDER BY shortcut`);
    expect(stored.rows).toEqual([{ shortcut: "thanks", body: "Thank you, {{customer.firstName}}. {{agent.name}}" }]);

    const agent = await createAgent(t.pool, { name: "Robin Agent" });
    const conversation = await createAssignedConversation(t.pool, { agentId: agent.id, customerPhone: "+14155550181" });
    await t.pool.query(`UPDATE customers SET display_name = 'Ann Lee' WHERE id = $1`, [conversation.customerId]);
    const agentPage = await signedInPage(agent.email);
    await agentPage.locator(`[data-testid="conversation-item"][data-conversation-id="${conversation.id}"]`).click();
    const input = agentPage.getByTestId("composer-input");
    await input.pressSequentially("/than");
    await agentPage.getByTestId("canned-reply-option").filter({ hasText: "/thanks" }).waitFor();
    await input.press("Enter");
    expect(await input.inputValue()).toBe("Thank you, Ann. Robin Agent");
    await page.context().close();
    await agentPage.context().close();
  });
});

describe("away reasons on the Team screens", () => {
  it("let an admin add and retire a reason (the agent's presence menu offers it, then no longer), restore and rename it", async () => {
    const admin = await createAgent(t.pool, { role: "admin", name: "Ada Admin" });
    const agent = await createAgent(t.pool, { name: "Lena Lunch" });
    const page = await signedInPage(admin.email);
    await openTab(page, "away");
    await awayRow(page, "Lunch").waitFor();

    await page.getByTestId("add-away-name").fill("Lunch");
    await page.getByTestId("add-away-save").click();
    await page.getByTestId("add-away-error").waitFor();
    expect(await awayRow(page, "Coaching").count()).toBe(0);

    await page.getByTestId("add-away-name").fill("Coaching");
    await page.getByTestId("add-away-save").click();
    await awayRow(page, "Coaching").waitFor();
    expect(await page.getByTestId("add-away-error").count()).toBe(0);
    expect((await t.pool.query(`SELECT active FROM away_reasons WHERE name = 'Coaching'`)).rows).toEqual([{ active: true }]);
    const agentPage = await signedInPage(agent.email);
    await expect.poll(() => presenceOptions(agentPage)).toContain("Away: Coaching");

    await awayRow(page, "Coaching").getByTestId("away-retire").click();
    await page.locator(`[data-testid="away-row"][data-name="Coaching"][data-active="false"]`).waitFor();
    await page.screenshot({ path: "/tmp/switchboard-away-admin.png" });
    expect((await t.pool.query(`SELECT active FROM away_reasons WHERE name = 'Coaching'`)).rows).toEqual([{ active: false }]);
    await agentPage.reload();
    await agentPage.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
    await expect.poll(() => presenceOptions(agentPage)).toContain("Away: Lunch");
    expect(await presenceOptions(agentPage)).not.toContain("Coaching");

    await awayRow(page, "Coaching").getByTestId("away-restore").click();
    await page.locator(`[data-testid="away-row"][data-name="Coaching"][data-active="true"]`).waitFor();
    await awayRow(page, "Coaching").getByTestId("away-edit").click();
    await page.getByTestId("edit-away-name").fill("Coaching call");
    await page.getByTestId("edit-away-save").click();
    await awayRow(page, "Coaching call").waitFor();
    expect((await t.pool.query(`SELECT active FROM away_reasons WHERE name = 'Coaching call'`)).rows).toEqual([{ active: true }]);
    await page.context().close();
    await agentPage.context().close();
  });

  it("are read-only for a supervisor", async () => {
    const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sue Supervisor" });
    const page = await signedInPage(supervisor.email);
    await openTab(page, "away");
    await awayRow(page, "Lunch").waitFor();
    await page.screenshot({ path: "/tmp/switchboard-away-supervisor.png" });
    expect(await page.getByTestId("add-away-form").count()).toBe(0);
    expect(await page.getByTestId("away-retire").count()).toBe(0);
    expect(await page.getByTestId("away-edit").count()).toBe(0);
    await page.context().close();
  });
});
