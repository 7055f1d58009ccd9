// The chat widget on a customer's site and the agent workspace, in two real browser contexts:
// a round trip with typing both ways, reload resume, a dropped network, isolation, a refused origin.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WidgetView } from "../../shared/api.ts";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { startTestSite, type TestSite } from "../support/site-server.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let site: TestSite;
let widget: WidgetView;
let browser: Browser;
let agentPage: Page;
let agentContext: BrowserContext;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  await createQueue(t.pool, { name: "Support" });
  const admin = await createAgent(t.pool, { role: "admin" });
  const cookie = await t.login(admin.email);
  // The site's origin is only known once it listens; register the widget for it, then embed its key.
  site = await startTestSite(t.url, "pending");
  const created = await t.api<{ widget: WidgetView }>(cookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [site.origin] });
  widget = created.body.widget;
  site.setEmbed({ "data-switchboard-key": widget.publicKey });
  browser = await launchBrowser();

  const agent = await createAgent(t.pool, { name: "Jordan Agent", capacity: { chat: 5 } });
  agentContext = await browser.newContext();
  agentPage = await agentContext.newPage();
  await signInThroughForm(agentPage, t.url, agent.email, TEST_PASSWORD);
  await agentPage.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
  await agentPage.getByTestId("presence-select").selectOption("available");
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await t?.close();
});

async function openWidget(context: BrowserContext, origin = site.origin): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/products`);
  await page.getByTestId("sb-launcher").click();
  await page.getByTestId("sb-panel").waitFor();
  return page;
}

/** The agent accepts the offer of the conversation holding this message. */
async function acceptOfferFor(body: string): Promise<void> {
  const { rows } = await eventually(async () => {
    const r = await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE body = $1`, [body]);
    return r.rows.length ? r : null;
  });
  const offer = agentPage.locator(`[data-testid="offer-item"][data-conversation-id="${rows[0]!.conversation_id}"]`);
  await offer.waitFor();
  await offer.getByTestId("offer-accept").click();
}

const visitorMessages = (page: Page, text: string) => page.getByTestId("sb-message").filter({ hasText: text });

describe("the chat widget with an agent", () => {
  let visitorContext: BrowserContext;
  let visitor: Page;

  it("carries a chat both ways through the routed queue, with typing indicators both ways", async () => {
    visitorContext = await browser.newContext();
    visitor = await openWidget(visitorContext);
    await visitor.getByTestId("sb-connection").filter({ hasText: "connected" }).waitFor({ state: "attached" });
    await visitor.getByTestId("sb-input").fill("Hello, is my size in stock?");
    await visitor.getByTestId("sb-send").click();
    await expect.poll(() => visitorMessages(visitor, "Hello, is my size in stock?").getAttribute("data-pending")).toBe("false");

    const offer = agentPage.getByTestId("offer-item");
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    await expect.poll(() => agentPage.getByTestId("timeline").textContent()).toContain("Hello, is my size in stock?");

    // The visitor types: the agent sees it.
    await visitor.getByTestId("sb-input").pressSequentially("One more", { delay: 20 });
    await agentPage.getByTestId("typing-indicator").filter({ hasText: "Customer is typing" }).waitFor();
    // The agent types: the visitor sees it.
    await agentPage.getByTestId("composer-input").pressSequentially("Let me check", { delay: 20 });
    await expect.poll(() => visitor.getByTestId("sb-typing").textContent()).toContain("Jordan Agent");
    await agentPage.getByTestId("composer-input").fill("Yes, size 42 is in stock.");
    await agentPage.getByTestId("composer-send").click();
    const reply = visitor.getByTestId("sb-message").filter({ hasText: "Yes, size 42 is in stock." });
    await reply.waitFor();
    expect(await reply.getAttribute("data-from")).toBe("agent");
    // The widget confirmed it: the agent sees the reply read.
    await agentPage.locator('[data-testid="message-item"][data-direction="outbound"]').filter({ hasText: "size 42" }).getByTestId("message-read").waitFor();
    await visitor.screenshot({ path: "/tmp/switchboard-widget.png" });
  });

  it("resumes the same conversation after a reload", async () => {
    await visitor.reload();
    // A returning visitor's widget reopens and loads the history.
    await visitorMessages(visitor, "Yes, size 42 is in stock.").waitFor();
    expect(await visitorMessages(visitor, "Hello, is my size in stock?").count()).toBe(1);
  });

  it("loses and doubles nothing when the network drops for a few seconds", async () => {
    await visitorContext.setOffline(true);
    for (const s of t.sb.io!.of("/chat").sockets.values()) s.conn.close();
    await expect.poll(() => visitor.getByTestId("sb-connection").textContent()).toBe("reconnecting");
    await visitor.getByTestId("sb-input").fill("Sent while offline");
    await visitor.getByTestId("sb-send").click();
    // Meanwhile the agent answers.
    await agentPage.getByTestId("composer-input").fill("Answered while you were offline");
    await agentPage.getByTestId("composer-send").click();
    await new Promise((r) => setTimeout(r, 2000));
    await visitorContext.setOffline(false);
    await expect.poll(() => visitor.getByTestId("sb-connection").textContent(), { timeout: 15_000 }).toBe("connected");
    await visitorMessages(visitor, "Answered while you were offline").waitFor();
    await expect.poll(() => visitorMessages(visitor, "Sent while offline").getAttribute("data-pending")).toBe("false");
    await new Promise((r) => setTimeout(r, 500));
    expect(await visitorMessages(visitor, "Answered while you were offline").count()).toBe(1);
    expect(await visitorMessages(visitor, "Sent while offline").count()).toBe(1);
    const stored = await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE body = 'Sent while offline'`);
    expect(stored.rows[0].n).toBe(1);
    await expect.poll(() => agentPage.getByTestId("timeline").textContent()).toContain("Sent while offline");
  });

  it("shows a second visitor nothing of the first", async () => {
    const other = await openWidget(await browser.newContext());
    await other.getByTestId("sb-input").fill("I am someone else");
    await other.getByTestId("sb-send").click();
    await expect.poll(() => visitorMessages(other, "I am someone else").getAttribute("data-pending")).toBe("false");
    expect(await other.getByTestId("sb-message").filter({ hasText: "size 42" }).count()).toBe(0);
    expect(await other.getByTestId("sb-messages").textContent()).not.toContain("Hello, is my size in stock?");
  });
});

describe("a visitor tired of waiting", () => {
  it("ends the chat: the widget says it ended, the agent's offer goes, and the wait counts as abandoned", async () => {
    const page = await openWidget(await browser.newContext());
    expect(await page.getByTestId("sb-end").isHidden()).toBe(true);
    await page.getByTestId("sb-input").fill("Anyone there? I will try later");
    await page.getByTestId("sb-send").click();
    await expect.poll(() => visitorMessages(page, "Anyone there?").getAttribute("data-pending")).toBe("false");
    const { rows } = await eventually(async () => {
      const r = await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE body = $1`, ["Anyone there? I will try later"]);
      return r.rows.length ? r : null;
    });
    const conversationId = rows[0]!.conversation_id;
    const offer = agentPage.locator(`[data-testid="offer-item"][data-conversation-id="${conversationId}"]`);
    await offer.waitFor();

    await page.screenshot({ path: "/tmp/switchboard-widget-end-chat.png" });
    await page.getByTestId("sb-end").click();
    await page.getByTestId("sb-ended").waitFor();
    expect(await page.getByTestId("sb-end").isHidden()).toBe(true);
    await offer.waitFor({ state: "detached" });
    const wait = await t.pool.query(`SELECT outcome FROM queue_waits WHERE conversation_id = $1`, [conversationId]);
    expect(wait.rows).toEqual([{ outcome: "abandoned" }]);
  });
});

describe("a signed-in visitor who texted before", () => {
  it("is one customer: the agent sees the earlier SMS beside the chat", async () => {
    const { identityHmac } = await import("../../server/domain/chat/link-verified-identity.ts");
    await t.sendSms({ From: "+14155550155", Body: "Texted yesterday about a refund" });
    site.setEmbed({ "data-switchboard-key": widget.publicKey, "data-identity-kind": "phone", "data-identity-value": "+14155550155", "data-identity-hmac": identityHmac(widget.identitySecret!, "+14155550155") });
    try {
      const page = await openWidget(await browser.newContext());
      await page.getByTestId("sb-input").fill("Chatting today about that refund");
      await page.getByTestId("sb-send").click();
      await acceptOfferFor("Chatting today about that refund");
      await expect.poll(() => agentPage.getByTestId("timeline").textContent()).toContain("Chatting today about that refund");
      const timeline = await agentPage.getByTestId("timeline").textContent();
      expect(timeline).toContain("Texted yesterday about a refund");
      expect(await agentPage.locator('[data-testid="message-item"][data-channel="sms"]').filter({ hasText: "Texted yesterday" }).count()).toBe(1);
    } finally {
      site.setEmbed({ "data-switchboard-key": widget.publicKey });
    }
  });
});

describe("a visitor who only types someone's email", () => {
  it("is not linked: they see nothing of that customer, and the agent sees an unverified suggestion", async () => {
    const victim = await t.pool.query<{ id: string }>(`INSERT INTO customers (display_name) VALUES ('Victor Victim') RETURNING id`);
    await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', 'victor@example.test', true, 'test')`, [victim.rows[0]!.id]);
    site.setEmbed({ "data-switchboard-key": widget.publicKey, "data-prechat": "true" });
    try {
      const page = await openWidget(await browser.newContext());
      await page.getByTestId("sb-prechat-name").fill("Eve");
      await page.getByTestId("sb-prechat-contact").fill("victor@example.test");
      await page.getByTestId("sb-prechat-submit").click();
      await page.getByTestId("sb-input").fill("Show me my orders please");
      await page.getByTestId("sb-send").click();
      await expect.poll(() => visitorMessages(page, "Show me my orders please").getAttribute("data-pending")).toBe("false");
      expect(await page.getByTestId("sb-message").count()).toBe(1);
      const chat = await t.pool.query(`SELECT cv.id, cv.customer_id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.body = 'Show me my orders please'`);
      expect(chat.rows[0].customer_id).not.toBe(victim.rows[0]!.id);
      await acceptOfferFor("Show me my orders please");
      await expect.poll(() => agentPage.getByTestId("claimed-identity").textContent()).toContain("victor@example.test");
      expect(await agentPage.getByTestId("suggested-matches").textContent()).toContain("Victor Victim");
    } finally {
      site.setEmbed({ "data-switchboard-key": widget.publicKey });
    }
  });
});

describe("files in the widget", () => {
  it("sends an allowed image by HTTP upload (cross-origin, as from the shop's page) and shows it in the chat", async () => {
    const page = await openWidget(await browser.newContext());
    const png = Buffer.alloc(512, 7);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    await page.getByTestId("sb-file").setInputFiles({ name: "receipt.png", mimeType: "image/png", buffer: png });
    await page.getByTestId("sb-attachment").waitFor();
    const stored = await eventually(async () => (await t.pool.query(`SELECT size_bytes FROM attachments WHERE file_name = 'receipt.png' AND message_id IS NOT NULL`)).rows[0]);
    expect(stored.size_bytes).toBe(512);
  });

  it("refuses an oversized file and a disallowed type with clear errors, and sends nothing", async () => {
    const page = await openWidget(await browser.newContext());
    const before = (await t.pool.query(`SELECT count(*)::int AS n FROM attachments`)).rows[0].n;
    await page.getByTestId("sb-file").setInputFiles({ name: "scan.png", mimeType: "image/png", buffer: Buffer.alloc(6 * 1024 * 1024, 1) });
    await expect.poll(() => page.getByTestId("sb-error").textContent()).toMatch(/too large/);
    await page.getByTestId("sb-file").setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<b>hi</b>") });
    await expect.poll(() => page.getByTestId("sb-error").textContent()).toContain("Files of type text/html cannot be sent here");
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM attachments`)).rows[0].n).toBe(before);
  });
});

describe("outside business hours", () => {
  it("says so and takes a message with an email address", async () => {
    const queue = (await t.pool.query(`SELECT id FROM queues ORDER BY created_at LIMIT 1`)).rows[0].id;
    await t.pool.query(`UPDATE queues SET timezone = 'Pacific/Kiritimati', business_hours = '{"sun": [["03:00", "03:01"]]}' WHERE id = $1`, [queue]);
    try {
      const page = await openWidget(await browser.newContext());
      await expect.poll(() => page.getByTestId("sb-closed").textContent()).toMatch(/closed/);
      await page.getByTestId("sb-leave-email").fill("robin@example.test");
      await page.getByTestId("sb-leave-body").fill("Please call me back tomorrow");
      await page.getByTestId("sb-leave-send").click();
      const done = page.getByTestId("sb-leave-done");
      await done.waitFor({ state: "visible" });
      expect(await done.textContent()).toContain("we will answer by email at robin@example.test");
      const left = await t.pool.query(
        `SELECT cv.channel, cv.status, cv.customer_address FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.body = 'Please call me back tomorrow'`,
      );
      expect(left.rows).toEqual([{ channel: "email", status: expect.stringMatching(/queued|offered/), customer_address: "robin@example.test" }]);
    } finally {
      await t.pool.query(`UPDATE queues SET business_hours = '{}' WHERE id = $1`, [queue]);
    }
  });
});

describe("the chat widget on a site it does not allow", () => {
  it("says so instead of chatting", async () => {
    const page = await openWidget(await browser.newContext(), site.otherOrigin);
    await expect.poll(() => page.getByTestId("sb-error").textContent()).toContain("ORIGIN_NOT_ALLOWED");
  });
});
