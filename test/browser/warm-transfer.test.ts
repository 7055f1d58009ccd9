// Warm transfer from the call bar: "Consult…" puts the caller on hold and rings a colleague, the bar shows
// who is consulted and how far it got (ringing, on the line, did not answer), "Complete transfer" hands
// the caller over and "Cancel consult" brings them back; each button's requests reach the fake Twilio
// API as the right participant changes, and a refusal shows with the API's error code.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { answeredConferenceCall, legJoins, legStatus } from "../support/conference-calls.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { stubTwilioDevice } from "../support/softphone-stub.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";

/** The machine is shared and busy: the page may take a few seconds to catch up. */
const poll = <T,>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startTestApp({
    publicUrl: "local",
    env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) },
  });
  await createQueue(t.pool, { name: "Support" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function agentOnCall(): Promise<{ page: Page; agentId: string; call: Awaited<ReturnType<typeof answeredConferenceCall>> }> {
  const agent = await createAgent(t.pool, { name: "Avery Agent" });
  const context = await browser.newContext();
  const page = await context.newPage();
  await stubTwilioDevice(page);
  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
  await poll(() => page.getByTestId("softphone-state").textContent()).toContain("ready");
  await page.getByTestId("presence-select").selectOption("available");
  await eventually(async () => (await t.pool.query(`SELECT presence, softphone_ready_at FROM agents WHERE id = $1`, [agent.id])).rows[0].softphone_ready_at !== null);
  await eventually(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence === "available");
  const caller = "+14155550191";
  const call = await answeredConferenceCall(t, { agentId: agent.id, cookie: await t.login(agent.email), from: caller });
  await page.evaluate((from) => (window as unknown as { __ring(f: string): void }).__ring(from), caller);
  await page.getByTestId("call-answer").click();
  await poll(() => page.getByTestId("call-bar").getAttribute("data-status")).toBe("in-call");
  return { page, agentId: agent.id, call };
}

describe("warm transfer from the call bar", () => {
  it("consults, shows the state, cancels, consults again and completes the transfer; refusals show their code", async () => {
    const { page, call } = await agentOnCall();
    // Colleagues who can take a call, made after the call was routed to Avery.
    const cole = await createAgent(t.pool, { name: "Cole League", presence: "available", softphoneReady: true });
    const dana = await createAgent(t.pool, { name: "Dana Busy", presence: "available", softphoneReady: true });
    const bar = page.getByTestId("call-bar");
    const participants = `/2010-04-01/Accounts/${t.fake.accountSid}/Conferences/${call.conference.sid}/Participants`;
    const added = (agentId: string) => t.fake.participantRequests().filter((r) => r.path === `${participants}.json` && r.form.To === `client:agent-${agentId}`);
    const updatesOf = (callSid: string) => t.fake.participantRequests().filter((r) => r.path === `${participants}/${callSid}.json`);
    const callerHold = () => updatesOf(call.customerCallSid).map((r) => r.form.Hold);
    const pick = async (agentId: string) => {
      await page.getByTestId("call-consult").click();
      await page.locator(`[data-testid="consult-target"][data-agent-id="${agentId}"]`).click();
    };

    // A refusal: the conference is full, so Twilio will not add Dana. The caller is taken off hold again.
    const fake = t.fake.conferences.byName(call.conference.name)!;
    fake.maxParticipants = fake.participants.size;
    await pick(dana.id);
    await poll(() => page.getByTestId("call-error").getAttribute("data-code")).toBe("PROVIDER_ERROR");
    expect(callerHold()).toEqual(["true", "false"]);
    expect(await bar.getAttribute("data-consult")).toBe("none");
    expect(await page.getByTestId("call-hold").textContent()).toBe("Hold");
    fake.maxParticipants = 250;

    // Dana's phone rings: the caller is held, Complete transfer waits until she answers (and says why).
    await page.getByTestId("consult-target").first().waitFor();
    await page.locator(`[data-testid="consult-target"][data-agent-id="${dana.id}"]`).click();
    await poll(() => bar.getAttribute("data-consult")).toBe("ringing");
    expect(await page.getByTestId("call-error").count()).toBe(0);
    const danaLeg = added(dana.id).at(-1)!;
    expect(danaLeg.form).toMatchObject({ EndConferenceOnExit: "false", Beep: "false" });
    expect(callerHold().at(-1)).toBe("true");
    expect(await page.getByTestId("consult-status").textContent()).toBe("Consulting Dana Busy: ringing…");
    expect(await page.getByTestId("consult-complete").isDisabled()).toBe(true);
    await page.screenshot({ path: "/tmp/switchboard-warm-transfer-ringing.png" });
    expect(await page.getByTestId("consult-why").textContent()).toContain("Dana Busy has not answered yet");
    expect(await page.getByTestId("call-hold").isDisabled()).toBe(true);
    expect(await page.getByTestId("call-transfer").isDisabled()).toBe(true);

    // She does not answer: the bar says so, the caller is still on hold, and another colleague can be tried.
    t.fake.conferences.leave(String(danaLeg.response!.body.call_sid));
    await legStatus(t, danaLeg, "no-answer");
    await poll(() => bar.getAttribute("data-consult")).toBe("unanswered");
    expect(await page.getByTestId("consult-status").textContent()).toBe("Consulting Dana Busy: did not answer");
    expect(await page.getByTestId("call-hold").textContent()).toBe("Resume");
    expect(await page.getByTestId("call-consult").textContent()).toBe("Consult someone else…");

    // Cole answers: Complete transfer is possible. Cancel consult takes him out and the caller off hold.
    await pick(cole.id);
    await poll(() => bar.getAttribute("data-consult")).toBe("ringing");
    const coleCallSid = String(added(cole.id).at(-1)!.response!.body.call_sid);
    await legJoins(t, coleCallSid);
    await poll(() => bar.getAttribute("data-consult")).toBe("talking");
    expect(await page.getByTestId("consult-status").textContent()).toBe("Consulting Cole League: on the line with you");
    expect(await page.getByTestId("consult-complete").isEnabled()).toBe(true);
    await page.screenshot({ path: "/tmp/switchboard-warm-transfer-talking.png" });
    const beforeCancel = t.fake.participantRequests().length;
    await page.getByTestId("consult-cancel").click();
    await poll(() => bar.getAttribute("data-consult")).toBe("none");
    await poll(() => t.fake.participantRequests().length).toBe(beforeCancel + 2);
    expect(t.fake.participantRequests().slice(beforeCancel).map((r) => `${r.method} ${r.path.slice(participants.length)} ${new URLSearchParams(r.form)}`)).toEqual([
      `DELETE /${coleCallSid}.json `,
      `POST /${call.customerCallSid}.json Hold=false`,
    ]);
    // The event may come before the answer to the click: the softphone learns the caller is back from the answer.
    await poll(() => page.getByTestId("call-hold").textContent()).toBe("Hold");
    expect(await page.getByTestId("call-hold").isEnabled()).toBe(true);

    // Consult Cole again, and hand the caller over: Avery's call bar goes (no wrap-up: the call is Cole's).
    await pick(cole.id);
    // Ringing: the app has stored the leg it placed, so the colleague's answer finds it.
    await poll(() => bar.getAttribute("data-consult")).toBe("ringing");
    expect(added(cole.id)).toHaveLength(2);
    const coleAgain = String(added(cole.id).at(-1)!.response!.body.call_sid);
    await legJoins(t, coleAgain);
    await poll(() => bar.getAttribute("data-consult")).toBe("talking");
    const beforeComplete = t.fake.participantRequests().length;
    await page.getByTestId("consult-complete").click();
    await poll(() => page.getByTestId("call-bar").count()).toBe(0);
    expect(t.fake.participantRequests().slice(beforeComplete).map((r) => `${r.method} ${r.path.slice(participants.length)} ${new URLSearchParams(r.form)}`)).toEqual([
      `POST /${coleAgain}.json EndConferenceOnExit=true`,
      `POST /${call.agentCallSid}.json EndConferenceOnExit=false`,
      `DELETE /${call.agentCallSid}.json `,
      `POST /${call.customerCallSid}.json Hold=false`,
    ]);
    expect((await t.pool.query(`SELECT assigned_agent_id FROM conversations WHERE id = $1`, [call.conversationId])).rows[0].assigned_agent_id).toBe(cole.id);
    expect(await page.getByTestId("softphone-state").textContent()).toBe("ready");
  }, 120_000);
});
