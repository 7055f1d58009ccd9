// A call answered in its conference, as Twilio would play it out: the inbound call is accepted, the
// caller's leg joins by TwiML, the agent's placed leg answers, and Twilio's signed conference callbacks
// (conference-start, participant-join) reach the app.
import { newSid, type RecordedRequest } from "../../demo/twilio-simulator/fake-twilio.ts";
import { createAgent } from "./factories.ts";
import { eventually, type TestApp } from "./test-app.ts";
import { postSignedForm } from "./twilio-webhooks.ts";

const base = (t: TestApp) => ({ AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01" });

export function voiceWebhook(t: TestApp, path: string, params: Record<string, string>) {
  return postSignedForm({ url: t.url + path, signatureUrl: t.config.publicUrl + path, authToken: t.fake.authToken, params: { ...base(t), ...params } });
}

/** One conference status callback, signed as Twilio signs it. */
export function conferenceCallback(t: TestApp, conference: { sid: string; name: string }, event: string, extra: Record<string, string> = {}) {
  return voiceWebhook(t, "/webhooks/twilio/voice/conference", {
    ConferenceSid: conference.sid,
    FriendlyName: conference.name,
    StatusCallbackEvent: event,
    SequenceNumber: String(Date.now() % 100000),
    Timestamp: new Date().toUTCString(),
    ...extra,
  });
}

const participantFields = { Muted: "false", Hold: "false", Coaching: "false", EndConferenceOnExit: "false", StartConferenceOnEnter: "true" };

/** The status callback of a leg placed into a conference, to the URL (with its query) the app gave Twilio. */
export function legStatus(t: TestApp, placed: RecordedRequest, callStatus: string, callSid = String(placed.response?.body.call_sid)) {
  const url = placed.form.StatusCallback!;
  if (!url.startsWith(t.config.publicUrl)) throw new Error(`unexpected StatusCallback ${url}`);
  return voiceWebhook(t, url.slice(t.config.publicUrl.length), { CallSid: callSid, CallStatus: callStatus });
}

/** A call Twilio placed into a conference answered and joined it (the fake's state, then the callback). */
export async function legJoins(t: TestApp, callSid: string) {
  const c = t.fake.conferences.answer(callSid);
  const conference = { sid: c.sid, name: c.friendlyName };
  await conferenceCallback(t, conference, "participant-join", { CallSid: callSid, ...participantFields });
  return conference;
}

/** Rings in a call, waits for its offer to `agentId`, accepts it with `cookie`, and plays the conference out. */
export async function answeredConferenceCall(t: TestApp, opts: { agentId: string; cookie: string; from: string; agentAnswers?: boolean }) {
  const customerCallSid = newSid("CA");
  await voiceWebhook(t, "/webhooks/twilio/voice", { CallSid: customerCallSid, From: opts.from, To: "+14155550100", CallStatus: "ringing", Direction: "inbound" });
  const conversationId = await eventually(async () => {
    const { rows } = await t.pool.query<{ conversation_id: string }>(
      `SELECT o.conversation_id FROM offers o JOIN messages m ON m.conversation_id = o.conversation_id
        WHERE m.external_id = $1 AND o.agent_id = $2 AND o.status = 'pending'`,
      [customerCallSid, opts.agentId],
    );
    return rows[0]?.conversation_id;
  });
  const offer = (await t.pool.query<{ id: string }>(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0]!;
  const accepted = await t.api(opts.cookie, "POST", `/api/offers/${offer.id}/accept`);
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  const name = `conv-${conversationId}`;
  const placed = await t.fake.waitFor((r) => r.method === "POST" && r.path.endsWith(`/Conferences/${name}/Participants.json`));
  const agentCallSid = String(placed.response!.body.call_sid);
  // The caller's leg runs the TwiML it was redirected to: it joins and waits for the agent.
  const c = t.fake.conferences.joinByTwiml(name, customerCallSid, { startConferenceOnEnter: false, endConferenceOnExit: true });
  const conference = { sid: c.sid, name };
  await conferenceCallback(t, conference, "participant-join", { CallSid: customerCallSid, ...participantFields, StartConferenceOnEnter: "false", EndConferenceOnExit: "true" });
  if (opts.agentAnswers !== false) {
    await legJoins(t, agentCallSid);
    await conferenceCallback(t, conference, "conference-start");
  }
  return { conversationId, customerCallSid, agentCallSid, conference };
}

/** Paths and requests of a test file's app, and a call answered in conference by a new agent. */
export function conferenceHelpers(app: () => TestApp, nextPhone: () => string) {
  const participantsPath = (conference: string, callSid?: string) =>
    `/2010-04-01/Accounts/${app().fake.accountSid}/Conferences/${conference}/Participants${callSid ? `/${callSid}` : ""}.json`;
  const requestsTo = (path: string) => app().fake.requests.filter((r) => r.path === path && r.method !== "GET");
  async function callInConference() {
    const t = app();
    const agent = await createAgent(t.pool, { name: "Avery Agent", presence: "available", softphoneReady: true });
    const cookie = await t.login(agent.email);
    const from = nextPhone();
    const call = await answeredConferenceCall(t, { agentId: agent.id, cookie, from });
    return { agent, cookie, from, ...call };
  }
  return { participantsPath, requestsTo, callInConference };
}
