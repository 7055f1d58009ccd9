// An agent sees which queue a conversation came through and hands it to another queue from its header;
// it leaves their list and the other queue's member is offered it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createQueue, setMemberships, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("moving a conversation to another queue from the workspace", () => {
  it("shows the queue and its due time, and hands the conversation to the chosen queue", async () => {
    const support = (await createQueue(t.pool, { name: "Support" })).id;
    const billing = (await createQueue(t.pool, { name: "Billing" })).id;
    const agent = await createAgent(t.pool, { name: "Sam Support", presence: "available" });
    const biller = await createAgent(t.pool, { name: "Bea Billing", presence: "available" });
    await setMemberships(t.pool, agent.id, [{ queueId: support }]);
    await setMemberships(t.pool, biller.id, [{ queueId: billing }]);
    await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
    await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();

    await t.sendSms({ From: "+12125550199", Body: "My invoice is wrong" });
    const offer = page.getByTestId("offer-item");
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    const view = page.getByTestId("conversation-view");
    await view.getByTestId("conversation-queue").filter({ hasText: "Support" }).waitFor();
    await page.screenshot({ path: "/tmp/switchboard-move-to-queue-before.png" });

    await view.getByTestId("move-to-queue").selectOption({ label: "Billing" });
    await view.getByTestId("conversation-queue").filter({ hasText: "Billing" }).waitFor();
    await expect.poll(async () => page.getByTestId("conversation-item").count()).toBe(0);
    const conversationId = (await view.getAttribute("data-conversation-id"))!;
    await expect
      .poll(async () => (await t.pool.query(`SELECT agent_id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows)
      .toEqual([{ agent_id: biller.id }]);
    await view.getByText(`Sam Support moved the conversation from Support to Billing`).waitFor();
    // No longer theirs: they still read it, but replying and resolving are for its next agent.
    await view.getByTestId("not-mine-composer-note").waitFor();
    expect(await view.getByTestId("resolve-button").count()).toBe(0);
    await page.screenshot({ path: "/tmp/switchboard-move-to-queue-after.png" });
  });
});
