// Find anyone in the real browser: the agent types part of a name in the header's search box, sees the
// customer with their phone and last contact, moves with the arrows and opens the conversation with Enter.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createCustomer, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
let beatriz: { customerId: string; conversationId: string };

async function customerWithConversation(name: string, phone: string, body: string, at: string) {
  const { id } = await createCustomer(t.pool, { displayName: name, phone, tier: "gold" });
  const { rows } = await t.pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, customer_address, last_message_at) VALUES ($1, 'sms', 'resolved', $2, $3) RETURNING id`,
    [id, phone, at],
  );
  await t.pool.query(`INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, created_at) VALUES ($1, $2, 'sms', 'inbound', 'text', $3, 'received', $4)`, [rows[0]!.id, id, body, at]);
  return { customerId: id, conversationId: rows[0]!.id };
}

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const agent = await createAgent(t.pool, { name: "Sara Searcher" });
  await customerWithConversation("Beatrice Quinn", "+14155550142", "Is my parcel on its way?", "2026-11-02T09:00:00Z");
  beatriz = await customerWithConversation("Beatriz Quintero", "+14155550143", "The espresso grinder arrived without its lid", "2026-11-30T15:30:00Z");
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("the header's search box", () => {
  it("finds a customer by part of their name as the agent types, and Enter opens their conversation", async () => {
    const box = page.getByRole("search").getByLabel("Find a customer");
    await box.pressSequentially("quinter");
    const result = page.locator(`[data-testid="search-result"][data-customer-id="${beatriz.customerId}"]`);
    await result.waitFor();
    expect(await result.innerText()).toContain("Beatriz Quintero");
    expect(await result.innerText()).toContain("+1 415 555 0143");
    expect(await page.getByTestId("search-result").count()).toBe(1);
    await page.screenshot({ path: join(tmpdir(), "switchboard-customer-search-name.png") });
    await box.press("Enter");
    await page.locator(`[data-testid="conversation-view"][data-conversation-id="${beatriz.conversationId}"]`).waitFor();
    await page.getByText("The espresso grinder arrived without its lid").waitFor();
    expect(await box.inputValue()).toBe("");
  });

  it("moves through the results with the arrows and shows the words around a message hit", async () => {
    const box = page.getByLabel("Find a customer");
    await box.fill("beatri");
    await expect.poll(() => page.getByTestId("search-result").count()).toBe(2);
    await box.press("ArrowDown");
    const selected = page.locator('[data-testid="search-result"][aria-selected="true"]');
    expect(await selected.getAttribute("data-customer-id")).toBe((await page.getByTestId("search-result").nth(1).getAttribute("data-customer-id")));
    await box.press("Escape");
    await expect.poll(() => page.getByTestId("customer-search-results").count()).toBe(0);
    await box.fill("grinder");
    const snippet = page.getByTestId("search-result-snippet");
    await snippet.waitFor();
    expect(await snippet.locator("mark").innerText()).toBe("grinder");
    await page.screenshot({ path: join(tmpdir(), "switchboard-customer-search-message.png") });
  });
});
