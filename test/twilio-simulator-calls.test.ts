// Calls from the simulator's phones against the real product: the signed inbound-call webhook, the TwiML
// Switchboard answers played verb by verb (greeting, hold with the place in line, the key press after the
// queue's longest wait, a voicemail), the call's status callback when the caller hangs up, and an answered
// call: the agent's leg rings their simulated forward phone, is answered there, and joins the conference.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwilioSimulator, type TwilioSimulator } from "../demo/twilio-simulator/simulator.ts";
import type { PhoneCall } from "../demo/twilio-simulator/calls.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { BUSINESS_NUMBER, eventually, freePort, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let sim: TwilioSimulator;
const failures: string[] = [];
beforeAll(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  sim = await startTwilioSimulator({ switchboardUrl: url, publicUrl: url, businessNumber: BUSINESS_NUMBER, holdMusicMs: 150, onWebhookFailure: (what, detail) => failures.push(`${what}: ${detail}`) });
  t = await startTestApp({ publicUrl: url, env: { PORT: String(port), TWILIO_AUTH_TOKEN: sim.authToken, TWILIO_ACCOUNT_SID: sim.accountSid, TWILIO_API_BASE_URL: sim.apiUrl } });
  const queue = await createQueue(t.pool, { name: "Support" });
  // The shortest longest-wait a queue may have, then a callback is offered: nobody here can answer a call.
  await t.pool.query(`UPDATE queues SET max_wait_seconds = 10, after_max_wait = 'callback' WHERE id = $1`, [queue.id]);
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

const view = (call: PhoneCall) => sim.calls.callsOf(call.customer).find((c) => c.sid === call.sid)!;
const said = (call: PhoneCall) => view(call).lines.map((l) => l.text).join("\n");
const callRow = (sid: string) => t.pool.query(`SELECT c.status, c.outcome FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.external_id = $1`, [sid]).then((r) => r.rows[0]);

describe("calls from the simulated phone", () => {
  it("hears the greeting and its place in line on hold, and hanging up ends the call as abandoned", { timeout: 30_000 }, async () => {
    const call = sim.calls.place("+12125550301");
    // Place in line, then the hold music, then Twilio asks the wait URL again.
    await eventually(async () => view(call).state === "queued" && view(call).lines.filter((l) => l.kind === "music").length >= 2, { timeoutMs: 10_000 });
    expect(view(call).lines[0]).toMatchObject({ kind: "ringing" });
    expect(view(call).lines.find((l) => l.kind === "say")?.text).toBe("Thank you for calling. Please hold while we connect you to the next available agent.");
    expect(said(call)).toContain("You are number 1 in line.");
    expect(await sim.calls.hangUp(call.sid)).toBe(true);
    expect(view(call)).toMatchObject({ state: "completed", awaiting: null });
    await eventually(async () => ((await callRow(call.sid))?.status === "resolved" ? true : undefined));
    expect(failures).toEqual([]);
  });

  it("after the queue's longest wait, pressing 1 asks for a callback and ends the call", { timeout: 40_000 }, async () => {
    const call = sim.calls.place("+12125550302");
    await eventually(async () => view(call).awaiting === "digits", { timeoutMs: 25_000, intervalMs: 100 });
    expect(said(call)).toContain("Press 1 and we will call you back");
    expect(sim.calls.press(call.sid, "1")).toBe(true);
    await eventually(async () => view(call).state === "completed", { timeoutMs: 10_000 });
    expect(said(call)).toContain("We will call you back as soon as an agent is free.");
    const { rows } = await t.pool.query(`SELECT body FROM messages WHERE external_id = $1`, [`${call.sid}:callback`]);
    expect(rows).toEqual([{ body: "Caller asked to be called back" }]);
    expect(failures).toEqual([]);
  });

  it("pressing another key leaves a voicemail, stored on the caller's timeline with its length", { timeout: 40_000 }, async () => {
    const call = sim.calls.place("+12125550303");
    await eventually(async () => view(call).awaiting === "digits", { timeoutMs: 25_000, intervalMs: 100 });
    sim.calls.press(call.sid, "2");
    await eventually(async () => view(call).awaiting === "recording", { timeoutMs: 10_000 });
    expect(sim.calls.stopRecording(call.sid)).toBe(true);
    const voicemail = await eventually(async () => (await t.pool.query(`SELECT kind, body, metadata FROM messages WHERE external_id = $1`, [`${call.sid}:voicemail`])).rows[0]);
    expect(voicemail).toMatchObject({ kind: "voicemail", metadata: { durationSeconds: 1 } });
    await sim.calls.hangUp(call.sid);
    expect(view(call).state).toBe("completed");
    expect(failures).toEqual([]);
  });

  it("plays what Switchboard redirects the call to over REST, in place of the hold", { timeout: 30_000 }, async () => {
    const call = sim.calls.place("+12125550304");
    await eventually(async () => view(call).state === "queued", { timeoutMs: 10_000 });
    const { createTwilioRestClient } = await import("../channels/twilio/rest-client.ts");
    const client = createTwilioRestClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBaseUrl: sim.apiUrl });
    await client.calls(call.sid).update({ twiml: "<Response><Say>Connecting you now.</Say><Hangup/></Response>" });
    await eventually(async () => view(call).state === "completed", { timeoutMs: 10_000 });
    expect(said(call)).toContain("Connecting you now.");
  });

  it("rings the agent's forward phone when they accept; answering joins the conference, and the caller's hang-up ends it", { timeout: 30_000 }, async () => {
    const agentPhone = "+14155550201";
    const agent = await createAgent(t.pool, { presence: "available" });
    await t.pool.query(`UPDATE agents SET forward_phone = $2 WHERE id = $1`, [agent.id, agentPhone]);
    const cookie = await t.login(agent.email);
    const call = sim.calls.place("+12125550305");
    const offer = await eventually(async () => (await t.pool.query(`SELECT o.id, o.conversation_id FROM offers o JOIN messages m ON m.conversation_id = o.conversation_id WHERE m.external_id = $1 AND o.status = 'pending'`, [call.sid])).rows[0], { timeoutMs: 10_000 });
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);

    const ringing = await eventually(async () => sim.legs.legsOf(agentPhone).find((l) => l.state === "ringing"), { timeoutMs: 10_000 });
    await eventually(async () => view(call).state === "connected", { timeoutMs: 10_000 });
    expect(await sim.legs.answer(ringing.callSid)).toBe(true);
    const legs = () => t.pool.query(`SELECT role, status FROM call_legs WHERE conversation_id = $1 ORDER BY role`, [offer.conversation_id]).then((r) => r.rows);
    await eventually(async () => ((await legs()).every((l) => l.status === "joined") && (await legs()).length === 2 ? true : undefined), { timeoutMs: 10_000 });
    const conference = () => t.pool.query(`SELECT status FROM call_conferences WHERE conversation_id = $1`, [offer.conversation_id]).then((r) => r.rows[0]?.status);
    expect(await conference()).toBe("in-progress");
    expect(said(call)).toContain("An agent answered: you are connected");

    await sim.calls.hangUp(call.sid);
    expect(view(call).state).toBe("completed");
    expect(sim.legs.legsOf(agentPhone)[0]).toMatchObject({ state: "completed", outcome: "ended" });
    await eventually(async () => ((await conference()) === "completed" ? true : undefined), { timeoutMs: 10_000 });
    expect(failures).toEqual([]);
  });
});
