// Merging customers in the real browser: an email that is another customer's suggests the merge, the
// preview says what moves, the timeline then shows both customers' history, and Undo takes it apart.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createConversation } from "../support/conversations.ts";
import { createAgent, createCustomer, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
let conversationId: string;
let otherId: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const agent = await createAgent(t.pool, { name: "Mia Merger" });
  conversationId = (await createConversation(t.pool, { assignedAgentId: agent.id })).id;
  // Another record of the same person: known by email, with an old email thread.
  otherId = (await createCustomer(t.pool, { displayName: "Olga Owner", tier: "gold" })).id;
  await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', 'olga@example.test', true, 'test')`, [otherId]);
  const { rows } = await t.pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, customer_address, subject, resolved_at, last_message_at)
     VALUES ($1, 'email', 'resolved', 'olga@example.test', 'Broken mug', now() - interval '2 days', now() - interval '2 days') RETURNING id`,
    [otherId],
  );
  await t.pool.query(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, created_at)
     VALUES ($1, $2, 'email', 'inbound', 'email', 'My order 42 arrived broken', 'received', now() - interval '2 days')`,
    [rows[0]!.id, otherId],
  );
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const timelineText = () => page.getByTestId("conversation-view").innerText();

describe("merging customers in the workspace", () => {
  it("suggests the merge for another customer's email, previews it, merges, and undoes it", async () => {
    await page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).click();
    await page.getByTestId("merge-section").waitFor();
    await page.getByTestId("identity-kind").selectOption("email");
    await page.getByTestId("identity-value").fill("OLGA@example.test");
    await page.getByTestId("identity-add").click();
    await expect.poll(() => page.getByTestId("identity-conflict").innerText()).toContain("This belongs to Olga Owner");
    expect(await page.getByTestId("customer-identities").innerText()).not.toContain("olga@example.test");

    await page.getByTestId("identity-suggest-merge").click();
    const preview = page.getByTestId("merge-preview");
    await preview.waitFor();
    expect(await page.getByTestId("merge-dialog").innerText()).toContain("Merge Olga Owner into Pat Customer");
    expect(await preview.innerText()).toContain("olga@example.test");
    expect(await page.getByTestId("merge-preview-counts").innerText()).toContain("1 messages");
    expect(await page.getByTestId("merge-conflicts").innerText()).toContain("Tier: Gold (the higher)");
    await page.screenshot({ path: join(tmpdir(), "switchboard-merge-preview.png") });
    await page.getByTestId("merge-confirm").click();

    // One record now: both histories on the timeline, the email among the identities, Undo offered.
    await expect.poll(timelineText).toContain("My order 42 arrived broken");
    expect(await timelineText()).toContain("Hello");
    await expect.poll(() => page.getByTestId("customer-identities").innerText()).toContain("olga@example.test");
    await page.getByTestId("merge-notice").waitFor();
    expect(await page.getByTestId("merge-history").innerText()).toContain("Olga Owner merged in");
    await page.screenshot({ path: join(tmpdir(), "switchboard-merged.png") });

    await page.getByTestId("merge-notice-undo").click();
    await expect.poll(timelineText).not.toContain("My order 42 arrived broken");
    await expect.poll(() => page.getByTestId("customer-identities").innerText()).not.toContain("olga@example.test");
    await expect.poll(() => page.getByTestId("merge-history").innerText()).toContain("undone");
    const { rows } = await t.pool.query(`SELECT customer_id FROM identities WHERE value = 'olga@example.test'`);
    expect(rows).toEqual([{ customer_id: otherId }]);
    await page.screenshot({ path: join(tmpdir(), "switchboard-merge-undone.png") });
  });

  it("a chat visitor's claimed email that matches a customer offers Merge…, which previews and merges", async () => {
    const visitorId = "visitor-merge-1";
    const { rows: [chatCustomer] } = await t.pool.query<{ id: string }>(`INSERT INTO customers DEFAULT VALUES RETURNING id`);
    await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'chat_visitor', $2, true, 'test')`, [chatCustomer!.id, visitorId]);
    await t.pool.query(`INSERT INTO chat_profiles (visitor_id, name, email) VALUES ($1, 'Olga', 'olga@example.test')`, [visitorId]);
    const agentId = (await t.pool.query<{ id: string }>(`SELECT id FROM agents WHERE name = 'Mia Merger'`)).rows[0]!.id;
    const { rows: [chat] } = await t.pool.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, customer_address, assigned_agent_id) VALUES ($1, 'chat', 'assigned', $2, $3) RETURNING id`,
      [chatCustomer!.id, visitorId, agentId],
    );
    await t.pool.query(`INSERT INTO messages (conversation_id, customer_id, channel, direction, body, status) VALUES ($1, $2, 'chat', 'inbound', 'Is my refund through?', 'received')`, [chat!.id, chatCustomer!.id]);
    await page.reload();
    await page.locator(`[data-testid="conversation-item"][data-conversation-id="${chat!.id}"]`).click();
    await expect.poll(() => page.getByTestId("suggested-matches").innerText()).toContain("Olga Owner");
    await page.getByTestId("suggested-match-merge").click();
    await page.getByTestId("merge-preview").waitFor();
    // The known customer is the one to keep: merge the anonymous chat record into Olga's.
    await page.getByTestId("merge-swap").click();
    await expect.poll(() => page.getByTestId("merge-dialog").innerText()).toContain("into Olga Owner");
    await page.getByTestId("merge-confirm").click();
    await expect.poll(timelineText).toContain("My order 42 arrived broken");
    expect(await timelineText()).toContain("Is my refund through?");
    const { rows } = await t.pool.query(`SELECT customer_id FROM conversations WHERE id = $1`, [chat!.id]);
    expect(rows).toEqual([{ customer_id: otherId }]);
    await page.screenshot({ path: join(tmpdir(), "switchboard-merge-chat.png") });
  });
});
