// Nobody answers twice, in the real browser: an agent sees that a colleague has the same customer open,
// and a reply after a colleague's answer they have not seen shows that answer and asks before it goes.
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
let mine: Page;
let c: { id: string; customerId: string };
let colleague: { id: string; email: string; name: string };

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const me = await createAgent(t.pool, { name: "Mia Mine" });
  colleague = await createAgent(t.pool, { name: "Sam Super", role: "supervisor" });
  c = await createConversation(t.pool, { assignedAgentId: me.id });
  browser = await launchBrowser();
  mine = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInThroughForm(mine, t.url, me.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("nobody answers twice", () => {
  it("shows who else has the customer open, and asks before a reply after an answer not yet seen", async () => {
    await mine.locator(`[data-testid="conversation-item"][data-conversation-id="${c.id}"]`).click();
    await mine.getByTestId("timeline").waitFor();
    // The colleague's workspace opens the same customer (as opening any of their conversations does).
    const socket = await t.connectAgent(await t.login(colleague.email));
    await new Promise((resolve) => socket.emit("customer:watch", { customerId: c.customerId }, resolve));
    await expect.poll(() => mine.getByTestId("customer-viewers").innerText().catch(() => ""), { timeout: 10_000 }).toContain("Sam Super");

    // The colleague's answer lands without reaching my screen (sent from elsewhere a moment ago).
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id)
       VALUES ($1, $2, 'sms', 'outbound', 'text', 'Sam here: it ships today', 'sent', $3)`,
      [c.id, c.customerId, colleague.id],
    );
    const sentBefore = t.fake.messages().length;
    await mine.getByTestId("composer-input").fill("It ships tomorrow");
    await mine.getByTestId("composer-send").click();
    const ask = mine.getByTestId("composer-answered");
    await ask.waitFor();
    expect(await ask.innerText()).toContain("Sam Super answered this customer by SMS");
    expect(await ask.innerText()).toContain("Sam here: it ships today");
    await mine.screenshot({ path: join(tmpdir(), "switchboard-answered-since.png") });
    expect(t.fake.messages().length).toBe(sentBefore);
    await mine.getByTestId("composer-answered-send").click();
    await expect.poll(() => t.fake.messages().length).toBe(sentBefore + 1);
    await expect.poll(() => ask.count()).toBe(0);
  });
});
