// The chat widget on a customer's site and the agent workspace, in two real browser contexts:
// a round trip with typing both ways, reload resume, a dropped network, isolation, a refused origin.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WidgetView } from "../../shared/api.ts";
import { launchBrowser } from "../support/browser.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { startTestSite, type TestSite } from "../support/site-server.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

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
  await agentPage.goto(t.url);
  await agentPage.getByTestId("signin-email").fill(agent.email);
  await agentPage.getByTestId("signin-password").fill(TEST_PASSWORD);
  await agentPage.getByTestId("signin-submit").click();
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

describe("the chat widget on a site it does not allow", () => {
  it("says so instead of chatting", async () => {
    const page = await openWidget(await browser.newContext(), site.otherOrigin);
    await expect.poll(() => page.getByTestId("sb-error").textContent()).toContain("ORIGIN_NOT_ALLOWED");
  });
});
