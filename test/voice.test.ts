// Voice, first slice: a signed inbound call joins the customer's record and the routed queue, waits in
// Twilio's <Enqueue> with its place in line, is redirected into its conference on accept (the agent's
// softphone placed into it), and its status only moves forward; abandoned calls, voicemail, and the
// softphone token. test/call-monitor.test.ts has the conference itself: hold, transfers, monitoring.
import { XMLParser } from "fast-xml-parser";
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView, VoiceTokenResponse } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";
import type { AgentNotice } from "../shared/events.ts";
import { postSignedForm } from "./support/twilio-webhooks.ts";
import { legJoins, legStatus } from "./support/conference-calls.ts";

const API_KEY_SID = "SK" + "1".repeat(32);
const API_KEY_SECRET = "softphone-api-key-secret";
const TWIML_APP_SID = "AP" + "2".repeat(32);

let t: TestApp;
let queueId: string;
beforeAll(async () => {
  t = await startTestApp({
    env: { TWILIO_API_KEY_SID: API_KEY_SID, TWILIO_API_KEY_SECRET: API_KEY_SECRET, TWILIO_TWIML_APP_SID: TWIML_APP_SID, WRAP_UP_SECONDS: "1" },
    // Short, so that a closed workspace's softphone is cleared within the test.
    start: { disconnectGraceMs: 200 },
  });
  queueId = (await createQueue(t.pool, { name: "Support" })).id;
});
afterAll(async () => t?.close());

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });
let seq = 700;
const nextPhone = () => `+1212555${String(seq++).padStart(4, "0")}`;

async function voiceWebhook(path: string, params: Record<string, string>, opts: { signed?: boolean } = {}) {
  const all = { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", ...params };
  const res = await postSignedForm({
    url: t.url + path,
    signatureUrl: t.config.publicUrl + path,
    authToken: opts.signed === false ? "wrong-token" : t.fake.authToken,
    params: all,
  });
  return { status: res.status, body: res.body, twiml: res.status === 200 ? xml.parse(res.body) : null };
}
const call = (from: string, callSid = newSid("CA")) =>
  voiceWebhook("/webhooks/twilio/voice", { CallSid: callSid, From: from, To: "+14155550100", CallStatus: "ringing" }).then((r) => ({ ...r, callSid }));
/** Waits for the pending offer of a conversation and accepts it as the signed-in agent. */
async function acceptOfferOf(conversationId: string, cookie: string): Promise<void> {
  const offer = await eventually(async () =>
    (await t.pool.query<{ id: string }>(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0],
  );
  expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
}
/** Closes an agent's workspace socket and waits for the server to notice (softphone forgotten, agent offline). */
async function closeWorkspace(socket: { disconnect(): unknown }, agentId: string): Promise<void> {
  socket.disconnect();
  await eventually(async () => {
    const { rows } = await t.pool.query(`SELECT presence, softphone_ready_at FROM agents WHERE id = $1`, [agentId]);
    return rows[0].presence === "offline" && rows[0].softphone_ready_at === null;
  });
}
const conversationOfCall = async (callSid: string) =>
  (await t.pool.query<{ conversation_id: string; customer_id: string }>(`SELECT conversation_id, customer_id FROM messages WHERE external_id = $1`, [callSid])).rows[0]!;

describe("an inbound call", () => {
  it("is the same customer who texted, waits in Twilio's queue, and is told its place in line", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const from = nextPhone();
    await t.sendSms({ From: from, Body: "I texted first" });
    const inbound = await call(from);
    expect(inbound.status).toBe(200);
    const response = inbound.twiml.Response;
    expect(response.Say).toMatch(/Please hold/);
    expect(response.Enqueue["#text"]).toBe("switchboard");
    expect(response.Enqueue["@waitUrl"]).toBe(`${t.config.publicUrl}/webhooks/twilio/voice/wait`);
    expect(response.Enqueue["@action"]).toBe(`${t.config.publicUrl}/webhooks/twilio/voice/dequeued`);
    const { customer_id, conversation_id } = await conversationOfCall(inbound.callSid);
    const sms = await t.pool.query(`SELECT customer_id FROM messages WHERE body = 'I texted first'`);
    expect(sms.rows[0].customer_id).toBe(customer_id);
    const conversation = await t.pool.query(`SELECT channel, status FROM conversations WHERE id = $1`, [conversation_id]);
    expect(conversation.rows[0]).toEqual({ channel: "voice", status: "queued" });

    // Twilio retries the webhook: still one call.
    await call(from, inbound.callSid);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [inbound.callSid])).rows[0].n).toBe(1);

    const wait = await voiceWebhook("/webhooks/twilio/voice/wait", { CallSid: inbound.callSid, QueuePosition: "1", QueueTime: "5", CurrentQueueSize: "1" });
    expect(wait.twiml.Response.Say).toMatch(/^You are number \d+ in line\. Your expected wait is about \d+ minutes?\.$/);
    expect(wait.twiml.Response.Play).toMatch(/^https?:\/\//);
  });

  it("refuses unsigned and malformed voice webhooks", async () => {
    const before = (await t.pool.query(`SELECT count(*)::int AS n FROM messages`)).rows[0].n;
    const forged = await voiceWebhook("/webhooks/twilio/voice", { CallSid: newSid("CA"), From: nextPhone(), To: "+14155550100", CallStatus: "ringing" }, { signed: false });
    expect(forged.status).toBe(403);
    const malformed = await voiceWebhook("/webhooks/twilio/voice", { CallSid: "nope", From: nextPhone(), To: "+14155550100" });
    expect(malformed.status).toBe(400);
    const anonymous = await voiceWebhook("/webhooks/twilio/voice", { CallSid: newSid("CA"), From: "anonymous", To: "+14155550100" });
    expect(anonymous.status).toBe(400);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM messages`)).rows[0].n).toBe(before);
  });

  it("is offered like any work and, on accept, redirected into its conference, where the agent's softphone is rung", async () => {
    const agent = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const cookie = await t.login(agent.email);
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [conversation_id, agent.id])).rows[0]);
    const accepted = await t.api<{ conversation: { status: string } }>(cookie, "POST", `/api/offers/${offer.id}/accept`);
    expect(accepted.status).toBe(200);
    const update = await t.fake.waitFor((r) => r.path === `/2010-04-01/Accounts/${t.fake.accountSid}/Calls/${inbound.callSid}.json`);
    expect(xml.parse(update.form.Twiml!).Response.Dial.Conference["#text"]).toBe(`conv-${conversation_id}`);
    const placed = await t.fake.waitFor((r) => r.path.endsWith(`/Conferences/conv-${conversation_id}/Participants.json`));
    expect(placed.form).toMatchObject({ To: `client:agent-${agent.id}`, StatusCallback: `${t.config.publicUrl}/webhooks/twilio/voice/leg?conversationId=${conversation_id}&role=agent&agentId=${agent.id}` });
    // An agent on a call gets no other call (voice capacity 1).
    const second = await call(nextPhone());
    const secondConversation = (await conversationOfCall(second.callSid)).conversation_id;
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM offers WHERE conversation_id = $1 AND agent_id = $2`, [secondConversation, agent.id])).rows[0].n).toBe(0);
    // A text reply to a call is refused clearly.
    const text = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${conversation_id}/messages`, { body: "hi" });
    expect(text.status).toBe(400);
    await t.pool.query(`UPDATE agents SET presence = 'offline' WHERE id = $1`, [agent.id]);
  });

  it("records call status forward only, whatever order and however often callbacks arrive", async () => {
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await t.pool.query(`UPDATE conversations SET status = 'assigned' WHERE id = $1`, [conversation_id]);
    const status = (CallStatus: string, extra: Record<string, string> = {}) =>
      voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, From: "+12125550000", To: "+14155550100", CallStatus, ...extra });
    for (const s of ["in-progress", "ringing", "in-progress"]) expect((await status(s)).status).toBe(200);
    const metadata = async () => (await t.pool.query(`SELECT metadata FROM messages WHERE external_id = $1`, [inbound.callSid])).rows[0].metadata;
    expect((await metadata()).callStatus).toBe("in-progress");
    await status("completed", { CallDuration: "95" });
    await status("completed", { CallDuration: "95" });
    await status("ringing");
    expect(await metadata()).toMatchObject({ callStatus: "completed", durationSeconds: 95 });
    const events = await t.pool.query(`SELECT body FROM messages WHERE conversation_id = $1 AND kind = 'event'`, [conversation_id]);
    expect(events.rows).toEqual([{ body: "Call ended after 95 s (completed)" }]);
  });

  it("records a caller who hangs up while waiting as abandoned, with the wait, and takes them out of line", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, CallStatus: "completed", CallDuration: "12" });
    const conversation = await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversation_id]);
    expect(conversation.rows[0].status).toBe("resolved");
    const event = await t.pool.query(`SELECT body, metadata FROM messages WHERE conversation_id = $1 AND kind = 'event'`, [conversation_id]);
    expect(event.rows[0].body).toMatch(/^Caller hung up after waiting \d+ s \(abandoned\)$/);
    expect(event.rows[0].metadata).toMatchObject({ event: "abandoned" });
    // It reads as a missed call (to call back), not as work an agent resolved.
    const agent = await createAgent(t.pool);
    const view = await t.api<{ conversation: { status: string; outcome: string | null } }>(await t.login(agent.email), "GET", `/api/conversations/${conversation_id}`);
    expect(view.body.conversation).toMatchObject({ status: "resolved", outcome: "missed_call" });
  });

  it("goes to voicemail outside business hours, and the voicemail is on the timeline as work", async () => {
    await t.pool.query(`UPDATE queues SET timezone = 'Pacific/Kiritimati', business_hours = '{"sun": [["03:00", "03:01"]]}' WHERE id = $1`, [queueId]);
    try {
      const inbound = await call(nextPhone());
      const response = inbound.twiml.Response;
      expect(response.Say[0]).toMatch(/closed/);
      expect(response.Record["@action"]).toBe(`${t.config.publicUrl}/webhooks/twilio/voice/voicemail`);
      const recording = { CallSid: inbound.callSid, RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", RecordingDuration: "17" };
      expect((await voiceWebhook("/webhooks/twilio/voice/voicemail", recording)).status).toBe(200);
      await voiceWebhook("/webhooks/twilio/voice/voicemail", recording);
      await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, CallStatus: "completed", CallDuration: "25" });
      const { conversation_id, customer_id } = await conversationOfCall(inbound.callSid);
      const agent = await createAgent(t.pool);
      const timeline = await t.api<{ messages: MessageView[] }>(await t.login(agent.email), "GET", `/api/customers/${customer_id}/timeline`);
      const voicemails = timeline.body.messages.filter((m) => m.kind === "voicemail");
      expect(voicemails).toEqual([expect.objectContaining({ body: "Voicemail (17 s)", media: [{ url: recording.RecordingUrl, contentType: "audio/wav" }] })]);
      expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversation_id])).rows[0].status).toBe("queued");
    } finally {
      await t.pool.query(`UPDATE queues SET business_hours = '{}' WHERE id = $1`, [queueId]);
    }
  });
});

describe("a call to a number with its own queue", () => {
  it("follows that queue's hours and longest wait, and its choice of voicemail over a callback", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    await t.pool.query(`UPDATE queues SET max_wait_seconds = 60, after_max_wait = 'callback', business_hours = '{}' WHERE id = $1`, [queueId]);
    const night = (await createQueue(t.pool, { name: "Night desk" })).id;
    await t.pool.query(`UPDATE queues SET max_wait_seconds = 20, after_max_wait = 'voicemail' WHERE id = $1`, [night]);
    await t.pool.query(`INSERT INTO phone_numbers (number, voice_queue_id) VALUES ('+14155550166', $1)`, [night]);
    const callTo = (to: string) => {
      const callSid = newSid("CA");
      return voiceWebhook("/webhooks/twilio/voice", { CallSid: callSid, From: nextPhone(), To: to, CallStatus: "ringing" }).then((r) => ({ ...r, callSid }));
    };
    const toNight = await callTo("+14155550166");
    const { conversation_id } = await conversationOfCall(toNight.callSid);
    expect((await t.pool.query(`SELECT queue_id FROM conversations WHERE id = $1`, [conversation_id])).rows[0].queue_id).toBe(night);
    // Past the night desk's 20 s: straight out of line to voicemail, no callback offered.
    const early = await voiceWebhook("/webhooks/twilio/voice/wait", { CallSid: toNight.callSid, QueueTime: "10" });
    expect(early.twiml.Response).not.toHaveProperty("Leave");
    const late = await voiceWebhook("/webhooks/twilio/voice/wait", { CallSid: toNight.callSid, QueueTime: "25" });
    expect(late.twiml.Response).toHaveProperty("Leave");
    expect(late.twiml.Response.Gather).toBeUndefined();
    // The main number's queue still waits 60 s.
    const toMain = await callTo("+14155550100");
    expect((await voiceWebhook("/webhooks/twilio/voice/wait", { CallSid: toMain.callSid, QueueTime: "25" })).twiml.Response).not.toHaveProperty("Leave");
    // Closed hours are the night desk's own: its callers get voicemail, the main number's still hold.
    await t.pool.query(`UPDATE queues SET timezone = 'Pacific/Kiritimati', business_hours = '{"sun": [["03:00", "03:01"]]}' WHERE id = $1`, [night]);
    expect((await callTo("+14155550166")).twiml.Response.Record).toBeDefined();
    expect((await callTo("+14155550100")).twiml.Response.Enqueue).toBeDefined();
  });
});

describe("a caller who waits too long", () => {
  it("may press 1 for a callback, which an agent's accept turns into a call to the customer", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    await t.pool.query(`UPDATE queues SET max_wait_seconds = 60 WHERE id = $1`, [queueId]);
    const from = nextPhone();
    const inbound = await call(from);
    const early = await voiceWebhook("/webhooks/twilio/voice/wait", { CallSid: inbound.callSid, QueueTime: "30" });
    expect(early.twiml.Response.Gather).toBeUndefined();
    const late = await voiceWebhook("/webhooks/twilio/voice/wait", { CallSid: inbound.callSid, QueueTime: "61" });
    expect(late.twiml.Response.Gather["@action"]).toBe(`${t.config.publicUrl}/webhooks/twilio/voice/choice`);
    expect(late.twiml.Response.Gather.Say).toMatch(/Press 1/);
    expect(late.twiml.Response).toHaveProperty("Leave");
    const choice = await voiceWebhook("/webhooks/twilio/voice/choice", { CallSid: inbound.callSid, Digits: "1" });
    expect(choice.twiml.Response.Say).toMatch(/call you back/);
    expect(choice.twiml.Response).toHaveProperty("Hangup");
    await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, CallStatus: "completed", CallDuration: "70" });
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversation_id])).rows[0].status).toBe("queued");

    // Earlier tests left calls waiting; this agent (capacity one call) must get this one.
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered') AND id <> $1`, [conversation_id]);
    const agent = await createAgent(t.pool, { softphoneReady: true });
    const cookie = await t.login(agent.email);
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "available" });
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversation_id])).rows[0]);
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
    const placed = await t.fake.waitFor((r) => r.path === `/2010-04-01/Accounts/${t.fake.accountSid}/Calls.json` && r.form.To === from);
    expect(placed.form.From).toBe("+14155550100");
    expect(placed.form.StatusCallback).toBe(`${t.config.publicUrl}/webhooks/twilio/voice/status`);
    expect(xml.parse(placed.form.Twiml!).Response.Dial.Client).toBe(`agent-${agent.id}`);
    await t.pool.query(`UPDATE agents SET presence = 'offline' WHERE id = $1`, [agent.id]);
  });

  it("keeps a voicemail as work even when the call's end is reported before the recording", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, CallStatus: "completed", CallDuration: "40" });
    expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversation_id])).rows[0].status).toBe("resolved");
    await voiceWebhook("/webhooks/twilio/voice/voicemail", { CallSid: inbound.callSid, RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE7", RecordingDuration: "9" });
    expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversation_id])).rows[0].status).toBe("queued");
  });

  it("goes to voicemail when they stay on the line instead", async () => {
    const inbound = await call(nextPhone());
    const left = await voiceWebhook("/webhooks/twilio/voice/dequeued", { CallSid: inbound.callSid, QueueResult: "leave", QueueTime: "61" });
    expect(left.twiml.Response.Record["@action"]).toBe(`${t.config.publicUrl}/webhooks/twilio/voice/voicemail`);
    const hungUp = await voiceWebhook("/webhooks/twilio/voice/dequeued", { CallSid: inbound.callSid, QueueResult: "hangup" });
    expect(hungUp.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});

describe("an accepted call the agent does not pick up", () => {
  it("goes back in line for the next agent, and the agent is set away", async () => {
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const first = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await acceptOfferOf(conversation_id, await t.login(first.email));
    const second = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const firstSocket = await t.connectAgent(await t.login(first.email));
    const notice = nextEvent<AgentNotice>(firstSocket, "agent:notice");
    // The agent's leg, placed into the conference, reports that nobody answered: the caller is sent back to the queue.
    const placed = await t.fake.waitFor((r) => r.path.endsWith(`/Conferences/conv-${conversation_id}/Participants.json`) && !!r.response);
    expect((await legStatus(t, placed, "no-answer")).status).toBe(204);
    const back = await t.fake.waitFor((r) => r.path.endsWith(`/Calls/${inbound.callSid}.json`) && !!r.form.Twiml?.includes("<Enqueue"));
    expect(xml.parse(back.form.Twiml!).Response.Enqueue["#text"]).toBe("switchboard");
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [first.id])).rows[0].presence).toBe("away");
    expect(await notice).toMatchObject({ kind: "set_away_after_missed_call", conversationId: conversation_id });
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [conversation_id, second.id])).rowCount === 1);
    await t.pool.query(`UPDATE agents SET presence = 'offline' WHERE id = $1`, [second.id]);
    await closeWorkspace(firstSocket, first.id);
  });
});

describe("an agent who takes calls on their own phone", () => {
  it("is dialled on that number instead of the softphone, and the recording lands on the call", async () => {
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const agent = await createAgent(t.pool, { presence: "available" });
    const cookie = await t.login(agent.email);
    expect((await t.api(cookie, "PUT", "/api/me/phone", { phone: "not a phone" })).status).toBe(400);
    // The number is only set once the code texted to it comes back (test/authorization.test.ts has the rest).
    expect((await t.api(cookie, "PUT", "/api/me/phone", { phone: "(415) 555-0199" })).status).toBe(202);
    const text = await t.fake.waitFor((r) => r.path.endsWith("/Messages.json") && r.form.To === "+14155550199");
    const code = /\b(\d{6})\b/.exec(text.form.Body!)![1];
    const set = await t.api<{ agent: { forwardPhone: string } }>(cookie, "POST", "/api/me/phone/confirm", { code });
    expect(set.body.agent.forwardPhone).toBe("+14155550199");
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await acceptOfferOf(conversation_id, cookie);
    const placed = await t.fake.waitFor((r) => r.path.endsWith(`/Conferences/conv-${conversation_id}/Participants.json`));
    // A phone is called from the business's number (Twilio allows no other caller ID to a phone).
    expect(placed.form).toMatchObject({ To: "+14155550199", From: "+14155550100" });
    await t.api(cookie, "PUT", "/api/me/phone", { phone: null });

    const recording = { CallSid: inbound.callSid, RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE9", RecordingDuration: "88" };
    expect((await voiceWebhook("/webhooks/twilio/voice/recording", recording)).status).toBe(204);
    await voiceWebhook("/webhooks/twilio/voice/recording", recording);
    const callMessage = await t.pool.query(`SELECT media, metadata FROM messages WHERE external_id = $1`, [inbound.callSid]);
    expect(callMessage.rows[0].media).toEqual([{ url: recording.RecordingUrl, contentType: "audio/wav", name: "Call recording" }]);
    expect(callMessage.rows[0].metadata.recordingSeconds).toBe(88);
    await t.pool.query(`UPDATE agents SET presence = 'offline' WHERE id = $1`, [agent.id]);
  });
});

describe("during a call", () => {
  it("the agent can hold, resume, transfer, send back to the queue and hang up; nobody else can", async () => {
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const agent = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const colleague = await createAgent(t.pool, { name: "Colleague" });
    const cookie = await t.login(agent.email);
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await acceptOfferOf(conversation_id, cookie);
    const control = (body: unknown, as = cookie) => t.api<{ error?: { code: string } }>(as, "POST", `/api/conversations/${conversation_id}/call`, body);
    const lastUpdate = () => {
      const updates = t.fake.callUpdates().filter((r) => r.path.endsWith(`/Calls/${inbound.callSid}.json`));
      return updates[updates.length - 1]!.form;
    };
    // The call runs in its conference: the caller joined by TwiML, the agent's placed leg answered.
    const placed = await t.fake.waitFor((r) => r.path.endsWith(`/Conferences/conv-${conversation_id}/Participants.json`) && !!r.response);
    t.fake.conferences.joinByTwiml(`conv-${conversation_id}`, inbound.callSid, { startConferenceOnEnter: false, endConferenceOnExit: true });
    const conference = await legJoins(t, String(placed.response!.body.call_sid));
    const lastParticipantChange = () => t.fake.participantRequests().at(-1)!;

    expect((await control({ action: "hold" })).status).toBe(200);
    expect(lastParticipantChange()).toMatchObject({ path: expect.stringContaining(`/Conferences/${conference.sid}/Participants/${inbound.callSid}.json`), form: { Hold: "true" } });
    expect((await control({ action: "resume" })).status).toBe(200);
    expect(lastParticipantChange().form).toEqual({ Hold: "false" });
    expect((await control({ action: "dance" })).status).toBe(400);
    const notMine = await control({ action: "hold" }, await t.login(colleague.email));
    expect(notMine.status).toBe(403);
    expect(notMine.body.error).toMatchObject({ code: "NOT_ASSIGNED", details: { assignedAgentId: agent.id } });

    // The transfer menu lists the other agents who can take a call now: not the away one.
    await t.pool.query(`UPDATE agents SET presence = 'away' WHERE id = $1`, [colleague.id]);
    const listed = async () => (await t.api<{ agents: { id: string; name: string; presence: string }[] }>(cookie, "GET", "/api/transfer-targets")).body.agents;
    expect((await listed()).some((a) => a.id === colleague.id)).toBe(false);
    expect((await control({ action: "transfer", toAgentId: colleague.id })).body.error?.code).toBe("AGENT_UNAVAILABLE");
    await t.pool.query(`UPDATE agents SET presence = 'available' WHERE id = $1`, [colleague.id]);
    const targets = await listed();
    expect(targets).toContainEqual({ id: colleague.id, name: "Colleague", presence: "available" });
    expect(targets.some((a) => a.id === agent.id)).toBe(false);
    expect((await control({ action: "transfer", toAgentId: colleague.id })).status).toBe(200);
    expect(t.fake.participantRequests().find((r) => r.form.To === `client:agent-${colleague.id}`)).toBeDefined();
    expect((await t.pool.query(`SELECT assigned_agent_id FROM conversations WHERE id = $1`, [conversation_id])).rows[0].assigned_agent_id).toBe(colleague.id);

    const colleagueCookie = await t.login(colleague.email);
    expect((await control({ action: "requeue" }, colleagueCookie)).status).toBe(200);
    expect(xml.parse(lastUpdate().Twiml!).Response.Enqueue["#text"]).toBe("switchboard");
    expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversation_id])).rows[0].status).toMatch(/queued|offered/);

    await t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2 WHERE id = $1`, [conversation_id, colleague.id]);
    await t.pool.query(`UPDATE offers SET status = 'withdrawn' WHERE conversation_id = $1 AND status = 'pending'`, [conversation_id]);
    expect((await control({ action: "hangup" }, colleagueCookie)).status).toBe(200);
    expect(lastUpdate().Status).toBe("completed");
    const events = await t.pool.query(`SELECT body FROM messages WHERE conversation_id = $1 AND kind = 'event' AND metadata->>'event' LIKE 'call_%' ORDER BY created_at`, [conversation_id]);
    expect(events.rows.map((r) => r.body)).toEqual([
      "Call on hold",
      "Call resumed",
      "Call transferred to Colleague",
      "Call sent back to the queue",
      "Agent hung up",
    ]);
  });
});

describe("click-to-call", () => {
  it("calls the customer and connects the agent, unless the customer asked not to be called", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    const phone = nextPhone();
    await t.sendSms({ From: phone, Body: "Please call me" });
    const customerId = (await t.pool.query(`SELECT customer_id FROM identities WHERE value = $1`, [phone])).rows[0].customer_id;
    const placed = await t.api<{ conversation: { channel: string; status: string; assignedAgentId: string } }>(cookie, "POST", `/api/customers/${customerId}/calls`);
    expect(placed.status).toBe(201);
    expect(placed.body.conversation).toMatchObject({ channel: "voice", status: "assigned", assignedAgentId: agent.id });
    const request = await t.fake.waitFor((r) => r.path.endsWith("/Calls.json") && r.form.To === phone);
    expect(xml.parse(request.form.Twiml!).Response.Dial.Client).toBe(`agent-${agent.id}`);

    await t.pool.query(`INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, 'voice', 'opted_out', 'agent note')`, [customerId]);
    const before = t.fake.calls().length;
    const refused = await t.api<{ error: { code: string; message: string } }>(cookie, "POST", `/api/customers/${customerId}/calls`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "CONSENT_REVOKED", message: expect.stringMatching(/asked not to be called/) });
    expect(t.fake.calls().length).toBe(before);
  });
});

describe("after a call", () => {
  async function answeredCall() {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const agent = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const cookie = await t.login(agent.email);
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    await acceptOfferOf(conversation_id, cookie);
    await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, CallStatus: "in-progress" });
    await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: inbound.callSid, CallStatus: "completed", CallDuration: "60" });
    const presence = async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence;
    return { agent, cookie, conversationId: conversation_id as string, presence };
  }

  it("puts the agent in wrap-up for a disposition and notes, then makes them available", async () => {
    const { cookie, conversationId, presence } = await answeredCall();
    expect(await presence()).toBe("wrap_up");
    const bad = await t.api(cookie, "POST", `/api/conversations/${conversationId}/wrap-up`, { disposition: "maybe" });
    expect(bad.status).toBe(400);
    const done = await t.api<{ conversation: { status: string } }>(cookie, "POST", `/api/conversations/${conversationId}/wrap-up`, {
      disposition: "follow_up",
      note: "Send the replacement label",
    });
    expect(done.status).toBe(200);
    expect(done.body.conversation.status).toBe("resolved");
    expect(await presence()).toBe("available");
    const note = await t.pool.query(`SELECT body FROM messages WHERE conversation_id = $1 AND kind = 'note'`, [conversationId]);
    expect(note.rows).toEqual([{ body: "Needs a follow-up: Send the replacement label" }]);
  });

  it("makes the agent available again by itself when the wrap-up time runs out", async () => {
    const { presence } = await answeredCall();
    expect(await presence()).toBe("wrap_up");
    await eventually(async () => (await presence()) === "available", { timeoutMs: 5000 });
  });
});

describe("the softphone token", () => {
  it("is a JWT with a VoiceGrant for the signed-in agent only", async () => {
    const agent = await createAgent(t.pool);
    const res = await t.api<VoiceTokenResponse>(await t.login(agent.email), "GET", "/api/voice/token");
    expect(res.status).toBe(200);
    expect(res.body.identity).toBe(`agent-${agent.id}`);
    const [header, body, signature] = res.body.token.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    expect(claims.iss).toBe(API_KEY_SID);
    expect(claims.sub).toBe(t.fake.accountSid);
    expect(claims.grants.identity).toBe(`agent-${agent.id}`);
    expect(claims.grants.voice).toMatchObject({ incoming: { allow: true }, outgoing: { application_sid: TWIML_APP_SID } });
    // Signed (HS256) with the API key secret, as Twilio checks it.
    expect(JSON.parse(Buffer.from(header!, "base64url").toString()).alg).toBe("HS256");
    expect(createHmac("sha256", API_KEY_SECRET).update(`${header}.${body}`).digest("base64url")).toBe(signature);
    expect((await t.api("sb_session=nobody", "GET", "/api/voice/token")).status).toBe(401);
  });
});

describe("calls are never stranded", () => {
  const loadOf = async (agentId: string) =>
    (
      await t.pool.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM conversations WHERE assigned_agent_id = $1 AND channel = 'voice' AND status IN ('assigned', 'pending_customer'))
               + (SELECT count(*) FROM offers WHERE agent_id = $1 AND channel = 'voice' AND status = 'pending'))::int AS n`,
        [agentId],
      )
    ).rows[0]!.n;

  for (const failure of ["a Twilio error", "a dropped connection"] as const) {
    it(`an accept whose redirect fails with ${failure} puts the caller back in line, frees the agent and tells them why`, async () => {
      await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
      await t.pool.query(`UPDATE agents SET presence = 'offline'`);
      const agent = await createAgent(t.pool, { presence: "available", softphoneReady: true });
      const cookie = await t.login(agent.email);
      const socket = await t.connectAgent(cookie);
      const inbound = await call(nextPhone());
      const { conversation_id } = await conversationOfCall(inbound.callSid);
      const offer = await eventually(async () =>
        (await t.pool.query<{ id: string }>(`SELECT id FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [conversation_id, agent.id])).rows[0],
      );
      const notice = nextEvent<AgentNotice>(socket, "agent:notice");
      if (failure === "a Twilio error") t.fake.failNext(1, { status: 500 });
      else t.fake.dropNext(1);
      const accepted = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/offers/${offer.id}/accept`);
      expect(accepted).toMatchObject({ status: 502, body: { error: { code: "PROVIDER_ERROR" } } });
      // The redirect was tried, and failed.
      await t.fake.waitFor((r) => r.path.endsWith(`/Calls/${inbound.callSid}.json`));

      expect(await notice).toMatchObject({ kind: "call_not_connected", conversationId: conversation_id });
      const conversation = await t.pool.query(`SELECT status, assigned_agent_id, waiting_since FROM conversations WHERE id = $1`, [conversation_id]);
      expect(conversation.rows[0]).toMatchObject({ status: "queued", assigned_agent_id: null });
      expect(conversation.rows[0].waiting_since).not.toBeNull();
      expect(await loadOf(agent.id)).toBe(0);
      const events = await t.pool.query(`SELECT metadata->>'event' AS event FROM messages WHERE conversation_id = $1 AND kind = 'event' ORDER BY created_at`, [conversation_id]);
      expect(events.rows.map((r) => r.event)).toEqual(["assigned", "connect_failed"]);

      // The caller is in line again: the next agent who can take a call gets it.
      const next = await createAgent(t.pool, { softphoneReady: true });
      await t.api(await t.login(next.email), "PUT", "/api/me/presence", { presence: "available" });
      await eventually(async () => (await t.pool.query(`SELECT 1 FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [conversation_id, next.id])).rowCount === 1);
      await t.pool.query(`UPDATE agents SET presence = 'offline' WHERE id = $1`, [next.id]);
      await closeWorkspace(socket, agent.id);
    });
  }

  it("offers calls only to agents whose softphone is registered, or who have a forward phone", async () => {
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    // Available, capacity free, but no registered softphone and no phone: a call would ring nowhere.
    const unreachable = await createAgent(t.pool, { presence: "available" });
    const inbound = await call(nextPhone());
    const { conversation_id } = await conversationOfCall(inbound.callSid);
    // An SMS still goes to them: only voice needs somewhere to ring.
    const sms = await t.sendSms({ From: nextPhone(), Body: "text, not a call" });
    expect(sms.status).toBe(200);
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM offers WHERE agent_id = $1 AND channel = 'sms' AND status = 'pending'`, [unreachable.id])).rowCount === 1);

    // The softphone reports itself registered: the waiting call is offered to it.
    const ready = await createAgent(t.pool, { presence: "available" });
    const readyCookie = await t.login(ready.email);
    expect((await t.api(readyCookie, "PUT", "/api/me/softphone", { registered: "yes" })).status).toBe(400);
    expect((await t.api(readyCookie, "PUT", "/api/me/softphone", { registered: true })).status).toBe(204);
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [conversation_id, ready.id])).rowCount === 1);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM offers WHERE conversation_id = $1 AND agent_id = $2`, [conversation_id, unreachable.id])).rows[0].n).toBe(0);

    // It unregisters (lost its connection to Twilio): the pending offer goes to someone who can ring.
    const forwarding = await createAgent(t.pool);
    await t.pool.query(`UPDATE agents SET forward_phone = '+14155550177' WHERE id = $1`, [forwarding.id]);
    await t.api(await t.login(forwarding.email), "PUT", "/api/me/presence", { presence: "available" });
    expect((await t.api(readyCookie, "PUT", "/api/me/softphone", { registered: false })).status).toBe(204);
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [conversation_id, forwarding.id])).rowCount === 1);
    expect((await t.pool.query(`SELECT status FROM offers WHERE conversation_id = $1 AND agent_id = $2`, [conversation_id, ready.id])).rows).toEqual([{ status: "withdrawn" }]);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM offers WHERE conversation_id = $1 AND agent_id = $2`, [conversation_id, unreachable.id])).rows[0].n).toBe(0);
    await t.pool.query(`UPDATE agents SET presence = 'offline' WHERE id IN ($1, $2, $3)`, [unreachable.id, ready.id, forwarding.id]);
  });

  it("forgets a softphone once the agent's last workspace socket is gone", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    const socket = await t.connectAgent(cookie);
    await t.api(cookie, "PUT", "/api/me/softphone", { registered: true });
    const readyAt = async () => (await t.pool.query(`SELECT softphone_ready_at FROM agents WHERE id = $1`, [agent.id])).rows[0].softphone_ready_at;
    expect(await readyAt()).not.toBeNull();
    await closeWorkspace(socket, agent.id);
    expect(await readyAt()).toBeNull();
  });
});
