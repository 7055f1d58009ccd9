// The agent's three panes in the real browser (issue 11, items 1 and 2): the customer panel beside the
// conversation (identities, tags, notes, name and tier edits), the work list's preview, unread count and
// the tab title, and a refresh that brings back the open conversation and the unsent draft.
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
let colleague: Page;
let first: Awaited<ReturnType<typeof createConversation>>;
let second: Awaited<ReturnType<typeof createConversation>>;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const agent = await createAgent(t.pool, { name: "Paula Panel" });
  const other = await createAgent(t.pool, { name: "Colin Colleague" });
  first = await createConversation(t.pool, { assignedAgentId: agent.id });
  second = await createConversation(t.pool, { assignedAgentId: agent.id });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  colleague = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
  await signInThroughForm(colleague, t.url, other.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const item = (p: Page, id: string) => p.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);

describe("the agent's three panes", () => {
  it("lists conversations with the last message and unread count, and counts them in the tab title", async () => {
    await t.sendSms({ From: second.phone, Body: "Still waiting for my refund" });
    await expect.poll(() => item(page, second.id).getByTestId("work-item-preview").innerText()).toBe("Still waiting for my refund");
    await expect.poll(() => item(page, second.id).getByTestId("work-item-unread").innerText()).toBe("2");
    await expect.poll(() => page.title()).toBe("(3) Switchboard");
    await item(page, second.id).click();
    // Open and visible: the customer's messages are seen, the badge and the title clear.
    await expect.poll(() => item(page, second.id).getByTestId("work-item-unread").count()).toBe(0);
    await expect.poll(() => page.title()).toBe("(1) Switchboard");
  });

  it("shows the customer beside the conversation and edits name, tier, tags and notes, live for a colleague", async () => {
    await item(page, first.id).click();
    const panel = page.getByTestId("customer-panel");
    await expect.poll(() => panel.getAttribute("data-customer-id")).toBe(first.customerId);
    await expect.poll(() => panel.getByTestId("customer-identities").innerText()).toContain("verified");

    await colleague.goto(`${t.url}/#conversation=${first.id}`);
    await colleague.getByTestId("customer-panel").waitFor();

    await panel.getByRole("button", { name: "Edit name" }).click();
    await panel.getByLabel("Customer name").fill("Pat Jones");
    await panel.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".conversation-header__name").innerText()).toBe("Pat Jones");
    await expect.poll(() => item(page, first.id).getByTestId("work-item-name").innerText()).toBe("Pat Jones");

    await panel.getByLabel("New tag").fill("VIP");
    await panel.getByRole("region", { name: "Tags" }).getByRole("button", { name: "Add", exact: true }).click();
    await expect.poll(() => panel.getByTestId("customer-tags").innerText()).toContain("vip");
    await panel.getByLabel("Customer tier").selectOption("gold");
    await panel.getByLabel("New customer note").fill("Prefers a call back after 6pm");
    await panel.getByRole("button", { name: "Add note" }).click();
    await expect.poll(() => panel.getByTestId("customer-notes").innerText()).toContain("Prefers a call back after 6pm");

    // The colleague with the same customer open sees every change without reloading.
    const theirs = colleague.getByTestId("customer-panel");
    await expect.poll(() => colleague.locator(".conversation-header__name").innerText()).toBe("Pat Jones");
    await expect.poll(() => theirs.getByTestId("customer-tags").innerText()).toContain("vip");
    await expect.poll(() => theirs.getByTestId("customer-notes").innerText()).toContain("Prefers a call back after 6pm");
    await expect.poll(() => theirs.getByLabel("Customer tier").inputValue()).toBe("gold");
    await page.screenshot({ path: join(tmpdir(), "switchboard-customer-panel.png") });
    const audited = await t.pool.query(`SELECT action FROM audit_events WHERE entity_id = $1 ORDER BY created_at`, [first.customerId]);
    expect(audited.rows.map((r) => r.action)).toEqual(["customer_updated", "customer_updated", "customer_tier_set", "customer_note_added"]);
  });

  it("brings back the open conversation and the unsent draft after a refresh, and forgets the draft once sent", async () => {
    await item(page, first.id).click();
    await page.getByTestId("composer-input").fill("Half-written answer about the refund");
    await page.reload();
    await expect.poll(() => page.getByTestId("conversation-view").getAttribute("data-conversation-id")).toBe(first.id);
    await expect.poll(() => page.getByTestId("composer-input").inputValue()).toBe("Half-written answer about the refund");
    await page.getByTestId("composer-input").press("Enter");
    await expect.poll(() => t.fake.messages().some((m) => m.form.Body === "Half-written answer about the refund")).toBe(true);
    await page.reload();
    await page.getByTestId("composer-input").waitFor();
    expect(await page.getByTestId("composer-input").inputValue()).toBe("");
  });

  it("announces a customer's message by desktop notification while the tab is in the background, when the agent chose so", async () => {
    await page.context().grantPermissions(["notifications"], { origin: t.url });
    // Record what the page asks the browser to show, and put the tab in the background.
    await page.evaluate(() => {
      const shown: { title: string; body: string }[] = [];
      (window as unknown as { shown: typeof shown }).shown = shown;
      const Real = window.Notification;
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push({ title, body: options?.body ?? "" });
        }
      }
      Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
      window.Notification = Recorded as typeof Notification;
      Object.defineProperty(document, "visibilityState", { get: () => "hidden", configurable: true });
    });
    const shown = () => page.evaluate(() => (window as unknown as { shown: { title: string; body: string }[] }).shown);
    await t.sendSms({ From: second.phone, Body: "Nobody announced me" });
    await expect.poll(() => item(page, second.id).getByTestId("work-item-preview").innerText()).toBe("Nobody announced me");
    expect(await shown()).toEqual([]);

    await page.getByTestId("alert-settings").click();
    await page.getByLabel(/Desktop notification/).check();
    await t.sendSms({ From: second.phone, Body: "Can someone call me back?" });
    await expect.poll(shown).toEqual([{ title: "Pat Customer (SMS)", body: "Can someone call me back?" }]);
  });
});
