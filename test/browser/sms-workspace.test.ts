// The whole SMS path in a real browser: sign in, go available, a signed inbound SMS is offered live,
// accept, reply, the fake Twilio receives exactly that text, and a signed status callback shows delivered.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  await createQueue(t.pool, { name: "Support" });
  browser = await launchBrowser();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("the agent workspace, SMS end to end", () => {
  it("offers a live inbound SMS, sends the reply through Twilio and shows it delivered", async () => {
    const agent = await createAgent(t.pool, { name: "Robin Agent", email: "robin@example.test" });
    await page.goto(t.url);
    await page.getByTestId("signin-email").fill(agent.email);
    await page.getByTestId("signin-password").fill("wrong password");
    await page.getByTestId("signin-submit").click();
    await expect.poll(() => page.getByTestId("signin-error").textContent()).toContain("Wrong email or password");
    await page.getByTestId("signin-password").fill(TEST_PASSWORD);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
    await page.getByTestId("presence-select").selectOption("available");
    await expect.poll(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence).toBe("available");

    // The customer texts in; the offer appears live, with no reload.
    const customer = "+14155550199";
    const inbound = await t.sendSms({ From: customer, Body: "My parcel never arrived" });
    expect(inbound.status).toBe(200);
    const offer = page.getByTestId("offer-item");
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    const view = page.getByTestId("conversation-view");
    await view.waitFor();
    await expect.poll(() => page.getByTestId("timeline").textContent()).toContain("My parcel never arrived");

    // The reply goes out through the Twilio REST API: exactly that text, to that number.
    const text = "Sorry about that! I've sent a replacement today.";
    await page.getByTestId("composer-input").fill(text);
    await page.getByTestId("composer-send").click();
    const sent = await t.fake.waitFor((r) => r.form.To === customer);
    expect(sent.form).toMatchObject({ To: customer, Body: text });
    const outbound = page.locator(`[data-testid="message-item"][data-direction="outbound"]`).filter({ hasText: text });
    await expect.poll(() => outbound.getAttribute("data-status")).toBe("sent");

    // Twilio reports delivery through the signed status callback; the agent sees it live.
    const sid = (sent.response!.body as { sid: string }).sid;
    const messageId = new URL(sent.form.StatusCallback!).searchParams.get("messageId")!;
    expect((await t.sendStatus(sid, "delivered", { messageId })).status).toBe(204);
    await expect.poll(() => outbound.getByTestId("message-status").textContent()).toBe("delivered");
    expect(t.fake.messages().filter((r) => r.form.To === customer)).toHaveLength(1);
    await page.screenshot({ path: "/tmp/switchboard-workspace.png" });
  });
});

describe("the agent workspace after a dropped connection", () => {
  it("shows reconnecting, then catches up with what arrived meanwhile, once", async () => {
    const agent = await createAgent(t.pool, { presence: "available", email: "casey@example.test" });
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(t.url);
    await p.getByTestId("signin-email").fill(agent.email);
    await p.getByTestId("signin-password").fill(TEST_PASSWORD);
    await p.getByTestId("signin-submit").click();
    await p.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();

    const customer = "+14155550198";
    await t.sendSms({ From: customer, Body: "First question" });
    const offer = p.getByTestId("offer-item");
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    await expect.poll(() => p.getByTestId("timeline").textContent()).toContain("First question");

    // Cut the agent's connection from the server side; the browser must notice and come back by itself.
    for (const s of t.sb.io!.of("/agent").sockets.values()) if (s.data.agent.id === agent.id) s.conn.close();
    await p.getByTestId("connection-state").filter({ hasText: "reconnecting" }).waitFor();
    await t.sendSms({ From: customer, Body: "Second question, while you were away" });
    await p.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
    const arrivals = p.locator('[data-testid="message-item"]').filter({ hasText: "Second question, while you were away" });
    await expect.poll(() => arrivals.count()).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await arrivals.count()).toBe(1);
    await context.close();
  });
});

describe("a long customer history", () => {
  it("opens at the newest message and loads older pages as the agent scrolls up", async () => {
    const agent = await createAgent(t.pool, { email: "pager@example.test" });
    const customer = "+14155550197";
    await t.sendSms({ From: customer, Body: "history 0" });
    const { conversation_id, customer_id } = (await t.pool.query(`SELECT conversation_id, customer_id FROM messages WHERE body = 'history 0'`)).rows[0];
    // 120 older messages than the newest page of 50: the first one only appears after two more pages.
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, body, status, created_at)
       SELECT $1, $2, 'sms', 'inbound', 'history ' || n, 'received', now() - interval '1 day' + n * interval '1 second'
         FROM generate_series(1, 120) AS n`,
      [conversation_id, customer_id],
    );
    await t.pool.query(`UPDATE messages SET created_at = now() - interval '2 days' WHERE body = 'history 0'`);
    await t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2 WHERE id = $1`, [conversation_id, agent.id]);
    await t.pool.query(`UPDATE offers SET status = 'withdrawn' WHERE conversation_id = $1 AND status = 'pending'`, [conversation_id]);

    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(t.url);
    await p.getByTestId("signin-email").fill(agent.email);
    await p.getByTestId("signin-password").fill(TEST_PASSWORD);
    await p.getByTestId("signin-submit").click();
    await p.locator(`[data-testid="conversation-item"][data-conversation-id="${conversation_id}"]`).click();
    const timeline = p.getByTestId("timeline");
    await timeline.getByText("history 120", { exact: true }).waitFor();
    expect(await timeline.getByText("history 0", { exact: true }).count()).toBe(0);
    // Scroll to the top until the first message of the customer's history is there.
    for (let i = 0; i < 10 && (await timeline.getByText("history 0", { exact: true }).count()) === 0; i++) {
      await timeline.evaluate((el) => el.scrollTo(0, 0));
      await p.waitForTimeout(300);
    }
    await timeline.getByText("history 0", { exact: true }).waitFor();
    expect(await p.locator('[data-testid="message-item"]').filter({ hasText: /^.*history \d+/ }).count()).toBeGreaterThanOrEqual(121);
    await context.close();
  });
});
