// A call in the agent's browser with the Twilio Device stubbed (Twilio's media servers cannot be reached
// here): the ring with the caller's earlier SMS already on screen, accept, the server's redirect seen by
// the fake Twilio API, answer, hang up, and wrap-up back to available.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { stubTwilioDevice } from "../support/softphone-stub.ts";
import { legStatus } from "../support/conference-calls.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { newSid } from "../../demo/twilio-simulator/fake-twilio.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";
import { postSignedForm } from "../support/twilio-webhooks.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  t = await startTestApp({
    publicUrl: "local",
    env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32), WRAP_UP_SECONDS: "120" },
  });
  await createQueue(t.pool, { name: "Support" });
  browser = await launchBrowser();
  page = await browser.newPage();
  await stubTwilioDevice(page);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const voiceWebhook = (path: string, params: Record<string, string>) =>
  postSignedForm({
    url: t.url + path,
    signatureUrl: t.config.publicUrl + path,
    authToken: t.fake.authToken,
    params: { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", ...params },
  });

let agentId: string;

describe("a call in the agent's browser", () => {
  it("rings with the caller's history open, connects on accept, and ends in wrap-up", async () => {
    const agent = await createAgent(t.pool, { name: "Casey Caller" });
    agentId = agent.id;
    const caller = "+14155550144";
    await t.sendSms({ From: caller, Body: "My order arrived broken" });
    // The SMS conversation is someone's work already; the call is new work.
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status <> 'resolved'`);

    await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
    await expect.poll(() => page.getByTestId("softphone-state").textContent()).toContain("ready");
    // The registered Device told the server: calls may be offered to this agent now.
    await eventually(async () => (await t.pool.query(`SELECT softphone_ready_at FROM agents WHERE id = $1`, [agent.id])).rows[0].softphone_ready_at !== null);
    await page.getByTestId("presence-select").selectOption("available");
    // The call comes once the server has the agent available (the select only asks for it).
    await eventually(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence === "available");

    const callSid = newSid("CA");
    expect((await voiceWebhook("/webhooks/twilio/voice", { CallSid: callSid, From: caller, To: "+14155550100", CallStatus: "ringing" })).status).toBe(200);
    const offer = page.locator('[data-testid="offer-item"][data-channel="voice"]');
    await offer.waitFor();
    // Screen pop: the caller's timeline, with the earlier SMS, is on screen while it rings.
    await expect.poll(() => page.getByTestId("timeline").textContent()).toContain("My order arrived broken");
    await offer.getByTestId("offer-accept").click();

    // The caller's leg is redirected into the call's conference, and the agent's Device is placed into it.
    const redirect = await t.fake.waitFor((r) => r.path === `/2010-04-01/Accounts/${t.fake.accountSid}/Calls/${callSid}.json`);
    expect(redirect.form.Twiml).toMatch(/<Conference [^>]*>conv-[0-9a-f-]{36}<\/Conference>/);
    const placed = await t.fake.waitFor((r) => /\/Conferences\/conv-[^/]+\/Participants\.json$/.test(r.path));
    expect(placed.form.To).toBe(`client:agent-${agent.id}`);

    // Twilio now rings the agent's Device.
    await page.evaluate((from) => (window as unknown as { __ring(f: string): void }).__ring(from), caller);
    const bar = page.getByTestId("call-bar");
    await expect.poll(() => bar.getAttribute("data-status")).toBe("ringing");
    await page.getByTestId("call-answer").click();
    await expect.poll(() => bar.getAttribute("data-status")).toBe("in-call");
    await page.getByTestId("call-mute").click();
    expect(await page.evaluate(() => (window as unknown as { __muted?: boolean }).__muted)).toBe(true);
    await page.getByTestId("call-hangup").click();
    expect(await page.evaluate(() => (window as unknown as { __hungUp?: boolean }).__hungUp)).toBe(true);
    await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: callSid, CallStatus: "completed", CallDuration: "42" });

    // Wrap-up: a disposition and a note, then available again.
    await eventually(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence === "wrap_up");
    await page.getByTestId("wrapup-form").waitFor();
    await page.getByTestId("wrapup-disposition").selectOption("resolved");
    await page.getByTestId("wrapup-note").fill("Replacement sent");
    await page.getByTestId("wrapup-done").click();
    await eventually(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence === "available");
    const note = await t.pool.query(`SELECT body FROM messages WHERE kind = 'note' AND author_agent_id = $1`, [agent.id]);
    expect(note.rows).toEqual([{ body: "Resolved on the call: Replacement sent" }]);
    await page.screenshot({ path: "/tmp/switchboard-call.png" });
    // The whole life of a call in a real browser (sign-in, ring, talk, wrap-up): on a loaded 2-core CI
    // machine it has taken over 30 s, so it gets a longer limit than the default; it is not a timing check.
  }, 90_000);
});

describe("what the agent is told", () => {
  const waitingCallsResolved = () => t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
  const incomingCall = async (from: string) => {
    const callSid = newSid("CA");
    expect((await voiceWebhook("/webhooks/twilio/voice", { CallSid: callSid, From: from, To: "+14155550100", CallStatus: "ringing" })).status).toBe(200);
    return callSid;
  };

  it("a caller who hangs up while the call is offered reads as a missed call, with Call back", async () => {
    await waitingCallsResolved();
    const caller = "+14155550145";
    const callSid = await incomingCall(caller);
    const offer = page.locator('[data-testid="offer-item"][data-channel="voice"]');
    await offer.waitFor();
    await expect.poll(() => page.getByTestId("conversation-status").textContent()).toBe("Offered");
    expect((await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: callSid, CallStatus: "completed", CallDuration: "8" })).status).toBe(200);
    await expect.poll(() => page.getByTestId("conversation-status").textContent()).toBe("Missed call");
    expect(await page.getByTestId("click-to-call").textContent()).toContain("Call back");
    expect(await page.getByTestId("resolve-button").count()).toBe(0);
    await offer.waitFor({ state: "detached" });
    await page.screenshot({ path: "/tmp/switchboard-missed-call.png" });
  });

  it("an accepted call that cannot be connected says why, and the caller is back in line", async () => {
    await waitingCallsResolved();
    const callSid = await incomingCall("+14155550146");
    const offer = page.locator('[data-testid="offer-item"][data-channel="voice"]');
    await offer.waitFor();
    t.fake.failNext(1, { status: 500 });
    await offer.getByTestId("offer-accept").click({ timeout: 3000 });
    await expect.poll(() => page.getByTestId("work-notice").textContent()).toMatch(/could not be connected to you.*back in line/);
    const conversation = await t.pool.query(
      `SELECT cv.status, cv.assigned_agent_id FROM conversations cv JOIN messages m ON m.conversation_id = cv.id WHERE m.external_id = $1`,
      [callSid],
    );
    expect(conversation.rows[0]).toEqual({ status: "queued", assigned_agent_id: null });
    // Nothing waits to ring in this browser.
    expect(await page.locator('[data-testid="call-bar"][data-status="ringing"]').count()).toBe(0);
    await page.screenshot({ path: "/tmp/switchboard-call-not-connected.png" });
    await page.getByTestId("work-notice").getByRole("button", { name: "Dismiss" }).click({ timeout: 3000 });
  });

  it("an agent set away after missing a call is told so", async () => {
    await waitingCallsResolved();
    const callSid = await incomingCall("+14155550147");
    const offer = page.locator('[data-testid="offer-item"][data-channel="voice"]');
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    await t.fake.waitFor((r) => r.path === `/2010-04-01/Accounts/${t.fake.accountSid}/Calls/${callSid}.json`);
    // The softphone never picked up: the status callback of the agent's placed leg reports no answer.
    const conversationId = (await t.pool.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [callSid])).rows[0].conversation_id;
    const placed = await t.fake.waitFor((r) => r.path.endsWith(`/Conferences/conv-${conversationId}/Participants.json`) && !!r.response);
    await legStatus(t, placed, "no-answer");
    await expect.poll(() => page.getByTestId("work-notice").textContent()).toMatch(/missed a call.*Away/);
    await expect.poll(() => page.getByTestId("presence-select").inputValue()).toBe("away");
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agentId])).rows[0].presence).toBe("away");
    await page.screenshot({ path: "/tmp/switchboard-set-away.png" });
    await waitingCallsResolved();
  });
});

describe("a workspace without the softphone settings", () => {
  it("says so in the banner, and the softphone is off", async () => {
    const bare = await startTestApp({ publicUrl: "local" });
    const other = await browser.newPage();
    try {
      const agent = await createAgent(bare.pool, { name: "Forward Only" });
      await signInThroughForm(other, bare.url, agent.email, TEST_PASSWORD);
      await expect.poll(() => other.getByTestId("softphone-state").textContent()).toBe("off");
      await expect.poll(() => other.getByTestId("softphone-off").textContent()).toContain("TWILIO_API_KEY_SID");
      await other.screenshot({ path: "/tmp/switchboard-softphone-off.png" });
    } finally {
      await other.close();
      await bare.close();
    }
  });
});
