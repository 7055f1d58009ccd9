// Answered calls run in a Twilio conference: the caller's leg joins it by TwiML, the agent's is placed
// into it, Twilio's conference callbacks record who is in it (once, however often they come); a leg that
// is not answered puts the caller back in line. Hold, warm and cold transfer are participant changes.
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createVoiceAdapter } from "../channels/voice/voice-adapter.ts";
import { answeredConferenceCall, conferenceCallback, conferenceHelpers, legJoins, legStatus, voiceWebhook } from "./support/conference-calls.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) } });
  await createQueue(t.pool, { name: "Support" });
});
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
  await t.pool.query(`UPDATE agents SET presence = 'offline'`);
});

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });
let seq = 500;
const nextPhone = () => `+1646555${String(seq++).padStart(4, "0")}`;
const { participantsPath, requestsTo, callInConference } = conferenceHelpers(() => t, nextPhone);
describe("an answered call", () => {
  it("joins its conference, the agent's leg is placed into it, and the callbacks record both legs once", async () => {
    const call = await callInConference();
    const redirect = t.fake.callUpdates().find((r) => r.path.endsWith(`/Calls/${call.customerCallSid}.json`))!;
    const conference = xml.parse(redirect.form.Twiml!).Response.Dial.Conference;
    expect(conference["#text"]).toBe(`conv-${call.conversationId}`);
    expect(conference).toMatchObject({
      "@startConferenceOnEnter": "false",
      "@endConferenceOnExit": "true",
      "@statusCallback": `${t.config.publicUrl}/webhooks/twilio/voice/conference`,
      "@statusCallbackEvent": "start end join leave hold mute modify",
    });
    const [placed] = requestsTo(participantsPath(`conv-${call.conversationId}`));
    expect(placed!.form).toMatchObject({
      From: call.from,
      To: `client:agent-${call.agent.id}`,
      EndConferenceOnExit: "true",
      StartConferenceOnEnter: "true",
      // Whose leg it is rides on its (signed) callback URL: a leg that fails at once may report before it is stored.
      StatusCallback: `${t.config.publicUrl}/webhooks/twilio/voice/leg?conversationId=${call.conversationId}&role=agent&agentId=${call.agent.id}`,
      ConferenceStatusCallback: `${t.config.publicUrl}/webhooks/twilio/voice/conference`,
    });
    const stored = async () => ({
      conference: (await t.pool.query(`SELECT conference_sid, status FROM call_conferences WHERE conversation_id = $1`, [call.conversationId])).rows[0],
      legs: (await t.pool.query(`SELECT call_sid, role, agent_id, status FROM call_legs WHERE conversation_id = $1 ORDER BY role`, [call.conversationId])).rows,
    });
    const first = await stored();
    expect(first).toEqual({
      conference: { conference_sid: call.conference.sid, status: "in-progress" },
      legs: [
        { call_sid: call.agentCallSid, role: "agent", agent_id: call.agent.id, status: "joined" },
        { call_sid: call.customerCallSid, role: "customer", agent_id: null, status: "joined" },
      ],
    });
    // Twilio retries, and an older conference's late callback: nothing changes.
    await conferenceCallback(t, call.conference, "participant-join", { CallSid: call.agentCallSid });
    await conferenceCallback(t, call.conference, "conference-start");
    await conferenceCallback(t, { sid: "CF" + "9".repeat(32), name: call.conference.name }, "conference-end");
    expect(await stored()).toEqual(first);
    const forged = t.fake.requests.length;
    const unsigned = await fetch(`${t.url}/webhooks/twilio/voice/conference`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "ConferenceSid=CF1" });
    expect(unsigned.status).toBe(403);
    expect((await voiceWebhook(t, "/webhooks/twilio/voice/conference", { ConferenceSid: "nope", FriendlyName: "x", StatusCallbackEvent: "conference-start" })).status).toBe(400);
    expect(t.fake.requests.length).toBe(forged);
  });

  it("goes back in line when the agent's placed leg is not answered, and the agent is set away", async () => {
    const agent = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const missed = await answeredConferenceCall(t, { agentId: agent.id, cookie: await t.login(agent.email), from: nextPhone(), agentAnswers: false });
    const before = t.fake.callUpdates().length;
    // The leg's own status callback says the softphone never picked up; Twilio may send it twice.
    const placed = requestsTo(participantsPath(`conv-${missed.conversationId}`))[0]!;
    expect((await legStatus(t, placed, "no-answer")).status).toBe(204);
    await legStatus(t, placed, "no-answer");
    const back = t.fake.callUpdates().slice(before);
    expect(back).toHaveLength(1);
    expect(back[0]!.path).toMatch(new RegExp(`/Calls/${missed.customerCallSid}\\.json$`));
    expect(xml.parse(back[0]!.form.Twiml!).Response.Enqueue["#text"]).toBe("switchboard");
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence).toBe("away");
    const conversation = await t.pool.query(`SELECT status, assigned_agent_id FROM conversations WHERE id = $1`, [missed.conversationId]);
    expect(conversation.rows[0]).toEqual({ status: "queued", assigned_agent_id: null });
    expect((await t.pool.query(`SELECT status FROM call_legs WHERE call_sid = $1`, [missed.agentCallSid])).rows[0].status).toBe("failed");
  });
});

describe("an agent's leg that fails at once", () => {
  it("puts the caller back in line even when its callback comes before the app stored the leg", async () => {
    const agent = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const cookie = await t.login(agent.email);
    const callSid = newSid("CA");
    await voiceWebhook(t, "/webhooks/twilio/voice", { CallSid: callSid, From: nextPhone(), To: "+14155550100", CallStatus: "ringing", Direction: "inbound" });
    const offer = await eventually(async () => {
      const { rows } = await t.pool.query<{ id: string; conversation_id: string }>(
        `SELECT o.id, o.conversation_id FROM offers o JOIN messages m ON m.conversation_id = o.conversation_id WHERE m.external_id = $1 AND o.status = 'pending'`,
        [callSid],
      );
      return rows[0];
    });
    // The caller's redirect answers at once; Twilio's answer to placing the agent's leg is late.
    t.fake.delayNext(1, 0);
    t.fake.delayNext(1, 800);
    const accepting = t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
    const placed = await t.fake.waitFor((r) => r.path.endsWith(`/Conferences/conv-${offer.conversation_id}/Participants.json`));
    const agentLeg = [...t.fake.conferences.byName(`conv-${offer.conversation_id}`)!.participants.keys()][0]!;
    expect((await legStatus(t, placed, "failed", agentLeg)).status).toBe(204);
    expect((await accepting).status).toBe(200);
    expect((await t.pool.query(`SELECT role, agent_id, status FROM call_legs WHERE call_sid = $1`, [agentLeg])).rows).toEqual([{ role: "agent", agent_id: agent.id, status: "failed" }]);
    const back = t.fake.callUpdates().filter((r) => r.path.endsWith(`/Calls/${callSid}.json`));
    expect(xml.parse(back.at(-1)!.form.Twiml!).Response.Enqueue["#text"]).toBe("switchboard");
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence).toBe("away");
  });
});

describe("a recorded conference", () => {
  it("asks Twilio to record it, and its recording (which names no call) lands on the caller's call", async () => {
    const voice = createVoiceAdapter({ accountSid: t.fake.accountSid, authToken: t.fake.authToken, apiBaseUrl: t.fake.url, publicUrl: t.config.publicUrl, defaultCountry: "US", recordCalls: true });
    const call = await callInConference();
    const conference = xml.parse(voice.conference.joinTwiml(call.conference.name, call.customerCallSid)).Response.Dial.Conference;
    expect(conference["@record"]).toBe("record-from-start");
    const callback = new URL(conference["@recordingStatusCallback"]);
    expect(callback.searchParams.get("callSid")).toBe(call.customerCallSid);
    const recording = { ConferenceSid: call.conference.sid, RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE5", RecordingDuration: "61", RecordingSid: "RE" + "5".repeat(32) };
    expect((await voiceWebhook(t, callback.pathname + callback.search, recording)).status).toBe(204);
    const stored = await t.pool.query(`SELECT media FROM messages WHERE external_id = $1`, [call.customerCallSid]);
    expect(stored.rows[0].media).toEqual([{ url: recording.RecordingUrl, contentType: "audio/wav", name: "Call recording" }]);
  });
});

describe("hold and transfer in the conference", () => {
  it("holds the caller's participant with music, and resumes", async () => {
    const call = await callInConference();
    const control = (body: unknown) => t.api(call.cookie, "POST", `/api/conversations/${call.conversationId}/call`, body);
    expect((await control({ action: "hold" })).status).toBe(200);
    expect((await control({ action: "resume" })).status).toBe(200);
    const updates = requestsTo(participantsPath(call.conference.sid, call.customerCallSid));
    expect(updates.map((r) => r.form)).toEqual([
      { Hold: "true", HoldUrl: expect.stringMatching(/^https?:\/\/.+\.mp3$/), HoldMethod: "GET" },
      { Hold: "false" },
    ]);
    // The caller's leg was not redirected: the call stayed in its conference.
    expect(t.fake.callUpdates().filter((r) => r.path.endsWith(`/Calls/${call.customerCallSid}.json`))).toHaveLength(1);
  });

  it("warm: consults a colleague with the caller held, then hands over and the first agent leaves", async () => {
    const call = await callInConference();
    const colleague = await createAgent(t.pool, { name: "Cole League", presence: "available", softphoneReady: true });
    const control = (body: unknown) => t.api<{ error?: { code: string } }>(call.cookie, "POST", `/api/conversations/${call.conversationId}/call`, body);
    expect((await control({ action: "complete_transfer" })).body.error?.code).toBe("CONFLICT");
    expect((await control({ action: "consult", toAgentId: colleague.id })).status).toBe(200);
    const consultCreate = requestsTo(participantsPath(call.conference.sid)).at(-1)!;
    expect(consultCreate.form).toMatchObject({ To: `client:agent-${colleague.id}`, EndConferenceOnExit: "false" });
    const consultCallSid = String(consultCreate.response!.body.call_sid);
    expect(requestsTo(participantsPath(call.conference.sid, call.customerCallSid)).at(-1)!.form.Hold).toBe("true");
    // Not answered yet: nothing to hand over to.
    expect((await control({ action: "complete_transfer" })).body.error?.code).toBe("CONFLICT");
    await legJoins(t, consultCallSid);
    const mark = t.fake.requests.length;
    expect((await control({ action: "complete_transfer" })).status).toBe(200);
    const after = t.fake.requests.slice(mark).map((r) => `${r.method} ${r.path.split("/Conferences/")[1]} ${new URLSearchParams(r.form)}`);
    expect(after).toEqual([
      `POST ${call.conference.sid}/Participants/${consultCallSid}.json EndConferenceOnExit=true`,
      `POST ${call.conference.sid}/Participants/${call.agentCallSid}.json EndConferenceOnExit=false`,
      `DELETE ${call.conference.sid}/Participants/${call.agentCallSid}.json `,
      `POST ${call.conference.sid}/Participants/${call.customerCallSid}.json Hold=false`,
    ]);
    expect((await t.pool.query(`SELECT assigned_agent_id FROM conversations WHERE id = $1`, [call.conversationId])).rows[0].assigned_agent_id).toBe(colleague.id);
    // The caller is still in the conference, with the colleague: Twilio's own state says so.
    expect([...t.fake.conferences.byName(call.conference.name)!.participants.keys()].sort()).toEqual([call.customerCallSid, consultCallSid].sort());
    const events = await t.pool.query(`SELECT body FROM messages WHERE conversation_id = $1 AND metadata->>'event' LIKE 'call_%' ORDER BY created_at`, [call.conversationId]);
    expect(events.rows.map((r) => r.body)).toEqual(["Consulting Cole League; the caller is on hold", "Call handed over to Cole League"]);
  });

  it("cold: places the new agent into the conference and takes the first one out", async () => {
    const call = await callInConference();
    const colleague = await createAgent(t.pool, { name: "Quinn Cold", presence: "available", softphoneReady: true });
    const mark = t.fake.requests.length;
    expect((await t.api(call.cookie, "POST", `/api/conversations/${call.conversationId}/call`, { action: "transfer", toAgentId: colleague.id })).status).toBe(200);
    const sent = t.fake.requests.slice(mark);
    expect(sent.map((r) => `${r.method} ${r.path.split("/Conferences/")[1]}`)).toEqual([
      `POST ${call.conference.sid}/Participants.json`,
      `POST ${call.conference.sid}/Participants/${call.agentCallSid}.json`,
      `DELETE ${call.conference.sid}/Participants/${call.agentCallSid}.json`,
    ]);
    expect(sent[0]!.form).toMatchObject({ To: `client:agent-${colleague.id}`, EndConferenceOnExit: "true" });
    expect((await t.pool.query(`SELECT assigned_agent_id FROM conversations WHERE id = $1`, [call.conversationId])).rows[0].assigned_agent_id).toBe(colleague.id);
  });
});

