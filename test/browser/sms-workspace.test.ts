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
