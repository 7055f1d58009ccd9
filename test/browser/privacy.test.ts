// Privacy in the real browser: the consent ledger in the customer panel (an SMS STOP, with where it came
// from), no export or erase for an agent, and an admin who downloads the export and erases the customer.
import { readFile } from "node:fs/promises";
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
let admin: Page;
let agent: Page;
let customerId: string;
let adminConversation: string;
let agentConversation: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const ada = await createAgent(t.pool, { name: "Ada Admin", role: "admin" });
  const abe = await createAgent(t.pool, { name: "Abe Agent" });
  const c = await createConversation(t.pool, { assignedAgentId: ada.id });
  customerId = c.customerId;
  adminConversation = c.id;
  agentConversation = (
    await t.pool.query(`INSERT INTO conversations (customer_id, channel, status, customer_address, assigned_agent_id) VALUES ($1, 'chat', 'assigned', 'visitor-1', $2) RETURNING id`, [customerId, abe.id])
  ).rows[0].id;
  // The customer texts STOP: through the signed webhook, onto their open SMS conversation.
  expect((await t.sendSms({ From: c.phone, Body: "STOP" })).status).toBe(200);
  browser = await launchBrowser();
  admin = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true })).newPage();
  agent = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await signInThroughForm(admin, t.url, ada.email, TEST_PASSWORD);
  await signInThroughForm(agent, t.url, abe.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const open = async (page: Page, conversationId: string) => {
  await page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).click();
  return page.getByTestId("privacy-section");
};

describe("the privacy section of the customer panel", () => {
  it("shows an agent the consent ledger, without export or erase", async () => {
    const section = await open(agent, agentConversation);
    const sms = section.locator(`[data-testid="consent-ledger"] > li[data-channel="sms"]`);
    await expect.poll(() => sms.innerText()).toContain("Opted out");
    expect(await sms.innerText()).toContain("replied STOP");
    expect(await section.getByText("Export (JSON)").count()).toBe(0);
    expect(await section.getByRole("button", { name: "Erase customer…" }).count()).toBe(0);
  });

  it("lets an admin download the export and erase the customer after naming the consequences", async () => {
    const section = await open(admin, adminConversation);
    await section.locator(`[data-testid="consent-ledger"] li[data-channel="sms"]`).filter({ hasText: "replied STOP" }).waitFor();
    const [download] = await Promise.all([admin.waitForEvent("download"), section.getByText("Export (JSON)").click()]);
    expect(download.suggestedFilename()).toBe(`customer-${customerId}.json`);
    const exported = JSON.parse(await readFile((await download.path())!, "utf8"));
    expect(exported.customer).toMatchObject({ id: customerId, displayName: "Pat Customer" });
    expect(exported.consentLedger).toEqual([expect.objectContaining({ source: "sms_stop" })]);

    await section.getByRole("button", { name: "Erase customer…" }).click();
    const confirm = section.getByRole("alertdialog", { name: "Erase customer" });
    expect(await confirm.innerText()).toContain("cannot be undone");
    expect(await confirm.innerText()).toContain("Replies still waiting to be sent are cancelled");
    const erase = confirm.getByRole("button", { name: "Erase permanently" });
    expect(await erase.isDisabled()).toBe(true);
    await confirm.getByRole("textbox").fill("Erasure request by email");
    await admin.screenshot({ path: join(tmpdir(), "switchboard-privacy-confirm.png") });
    await erase.click();
    await section.getByTestId("customer-erased").waitFor();
    expect(await section.getByTestId("customer-erased").innerText()).toContain("Erased");
    // The ledger stays (the STOP without its text); the panel lost the name and the phone.
    expect(await section.locator(`li[data-channel="sms"]`).innerText()).toContain("replied STOP");
    await expect.poll(() => admin.getByTestId("customer-identities").innerText()).toBe("");
    // What the workspace showed is replaced live: no text left in the timeline, no name in the work list.
    await expect.poll(() => admin.locator(`[data-testid="message-item"]`).filter({ hasText: /Hello|STOP$/ }).count()).toBe(0);
    await expect.poll(() => admin.locator(`[data-testid="conversation-item"]`).filter({ hasText: "Pat Customer" }).count()).toBe(0);
    await admin.screenshot({ path: join(tmpdir(), "switchboard-privacy-erased.png") });
    const row = await t.pool.query(`SELECT display_name, erased_at FROM customers WHERE id = $1`, [customerId]);
    expect(row.rows[0].display_name).toBeNull();
    expect(row.rows[0].erased_at).not.toBeNull();
  });
});
