// Answered calls run in a Twilio conference: the caller's leg joins it by TwiML, the agent's is placed
// into it, Twilio's conference callbacks record who is in it (once, however often they come). Hold,
// warm and cold transfer are participant changes; a supervisor listens (muted), whispers (coaching
// the agent's leg) or barges, and every one of those requests reaches the fake Twilio API exactly so.
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallMonitoringEvent } from "../shared/call-monitor.ts";
import { answeredConferenceCall, conferenceCallback, legJoins, legStatus, voiceWebhook } from "./support/conference-calls.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { newSid } from "./support/fake-twilio.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

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
let seq = 100;
const nextPhone = () => `+1646555${String(seq++).padStart(4, "0")}`;
const participantsPath = (conference: string, callSid?: string) =>
  `/2010-04-01/Accounts/${t.fake.accountSid}/Conferences/${conference}/Participants${callSid ? `/${callSid}` : ""}.json`;
const requestsTo = (path: string) => t.fake.requests.filter((r) => r.path === path && r.method !== "GET");

async function callInConference() {
  const agent = await createAgent(t.pool, { name: "Avery Agent", presence: "available", softphoneReady: true });
  const cookie = await t.login(agent.email);
  const from = nextPhone();
  const call = await answeredConferenceCall(t, { agentId: agent.id, cookie, from });
  return { agent, cookie, from, ...call };
}
const auditOf = async (conversationId: string) =>
  (await t.pool.query(`SELECT actor_id, action, data FROM audit_events WHERE entity_id = $1 AND action LIKE 'call.monitor%' ORDER BY created_at, id`, [conversationId])).rows;

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

describe("a supervisor monitoring a call", () => {
  it("listens muted, whispers to the agent only, barges in, and stops, each audited; the agent is told", async () => {
    const call = await callInConference();
    const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
    const cookie = await t.login(supervisor.email);
    const agentSocket = await t.connectAgent(call.cookie);
    const monitor = (body: unknown) => t.api<{ monitors: { name: string; mode: string }[]; error?: { code: string } }>(cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, body);
    const told = nextEvent<CallMonitoringEvent>(agentSocket, "call:monitoring");

    const listened = await monitor({ mode: "listen" });
    expect(listened.status).toBe(200);
    expect(listened.body.monitors).toEqual([expect.objectContaining({ agentId: supervisor.id, name: "Sam Supervisor", mode: "listen" })]);
    const [created] = requestsTo(participantsPath(call.conference.sid)).filter((r) => r.form.To === `client:agent-${supervisor.id}`);
    expect(created!.form).toMatchObject({ From: "+14155550100", Muted: "true", Coaching: "false", Beep: "false", EndConferenceOnExit: "false" });
    expect(created!.form.CallSidToCoach).toBeUndefined();
    expect(await told).toEqual({ conversationId: call.conversationId, monitors: [expect.objectContaining({ name: "Sam Supervisor", mode: "listen" })] });
    const supervisorCallSid = String(created!.response!.body.call_sid);
    await legJoins(t, supervisorCallSid);

    expect((await monitor({ mode: "whisper" })).status).toBe(200);
    expect((await monitor({ mode: "barge" })).status).toBe(200);
    expect((await monitor({ mode: "listen" })).status).toBe(200);
    const updates = requestsTo(participantsPath(call.conference.sid, supervisorCallSid)).map((r) => r.form);
    expect(updates).toEqual([
      { Muted: "false", Coaching: "true", CallSidToCoach: call.agentCallSid },
      { Muted: "false", Coaching: "false" },
      { Muted: "true", Coaching: "false" },
    ]);
    // Still one supervisor leg: a new mode changes it, it does not call again.
    expect(requestsTo(participantsPath(call.conference.sid)).filter((r) => r.form.To === `client:agent-${supervisor.id}`)).toHaveLength(1);
    const seen = await t.api<{ monitors: { mode: string }[] }>(call.cookie, "GET", `/api/conversations/${call.conversationId}/monitors`);
    expect(seen.body.monitors.map((m) => m.mode)).toEqual(["listen"]);

    const stopped = await t.api<{ monitors: unknown[] }>(cookie, "DELETE", `/api/conversations/${call.conversationId}/monitor`);
    expect(stopped).toMatchObject({ status: 200, body: { monitors: [] } });
    expect(t.fake.requests.at(-1)).toMatchObject({ method: "DELETE", path: participantsPath(call.conference.sid, supervisorCallSid) });
    expect((await t.api<{ error: { code: string } }>(cookie, "DELETE", `/api/conversations/${call.conversationId}/monitor`)).body.error.code).toBe("NOT_FOUND");
    expect((await auditOf(call.conversationId)).map((a) => [a.actor_id, a.action, a.data.mode])).toEqual([
      [supervisor.id, "call.monitor_started", "listen"],
      [supervisor.id, "call.monitor_changed", "whisper"],
      [supervisor.id, "call.monitor_changed", "barge"],
      [supervisor.id, "call.monitor_changed", "listen"],
      [supervisor.id, "call.monitor_stopped", "listen"],
    ]);
    agentSocket.disconnect();
  });

  it("calls an admin's own phone when asked, and refuses a whisper Twilio refuses (agent on hold: 16027)", async () => {
    const call = await callInConference();
    const admin = await createAgent(t.pool, { role: "admin" });
    await t.pool.query(`UPDATE agents SET forward_phone = '+14155550123' WHERE id = $1`, [admin.id]);
    const cookie = await t.login(admin.email);
    expect((await t.api(cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, { mode: "barge", via: "phone" })).status).toBe(200);
    const created = requestsTo(participantsPath(call.conference.sid)).at(-1)!;
    expect(created.form).toMatchObject({ To: "+14155550123", From: "+14155550100", Muted: "false", Coaching: "false" });
    await legJoins(t, String(created.response!.body.call_sid));
    // The agent's participant is held at Twilio: a whisper to them is refused there.
    t.fake.conferences.byName(call.conference.name)!.participants.get(call.agentCallSid)!.hold = true;
    const refused = await t.api<{ error: { code: string; details: { twilioCode: string } } }>(cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, { mode: "whisper" });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "CONFLICT", details: { twilioCode: "16027" } } } });
    expect((await t.pool.query(`SELECT monitor_mode FROM call_legs WHERE agent_id = $1 AND role = 'monitor'`, [admin.id])).rows).toEqual([{ monitor_mode: "barge" }]);
    expect((await auditOf(call.conversationId)).map((a) => a.action)).toEqual(["call.monitor_started"]);
  });

  it("is refused to an agent (403), without a call in a conference (409), and with a bad body (400)", async () => {
    const call = await callInConference();
    const agent = await createAgent(t.pool, { name: "Nosy Agent" });
    const agentCookie = await t.login(agent.email);
    const before = t.fake.requests.length;
    for (const [method, body] of [["POST", { mode: "listen" }], ["DELETE", undefined]] as const) {
      const res = await t.api<{ error: { code: string } }>(agentCookie, method, `/api/conversations/${call.conversationId}/monitor`, body);
      expect(res).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    }
    // The call's own agent may not monitor it either (an agent role), nor see a monitor ask.
    expect((await t.api(call.cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, { mode: "barge" })).status).toBe(403);
    expect(t.fake.requests.length).toBe(before);

    const supervisor = await createAgent(t.pool, { role: "supervisor" });
    const cookie = await t.login(supervisor.email);
    const noConference = await createConversation(t.pool, { channel: "voice", assignedAgentId: agent.id });
    const sms = await createConversation(t.pool, { channel: "sms", assignedAgentId: agent.id });
    for (const id of [noConference.id, sms.id]) {
      const res = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${id}/monitor`, { mode: "listen" });
      expect(res).toMatchObject({ status: 409, body: { error: { code: "CONFLICT" } } });
    }
    // The call ended: its conference with it.
    await conferenceCallback(t, call.conference, "conference-end");
    expect((await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, { mode: "listen" })).status).toBe(409);
    for (const body of [{ mode: "spy" }, { mode: "listen", via: "pigeon" }, { mode: "listen", extra: 1 }]) {
      const res = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, body);
      expect(res).toMatchObject({ status: 400, body: { error: { code: "VALIDATION" } } });
    }
    expect(t.fake.requests.length).toBe(before);
    expect(await auditOf(call.conversationId)).toEqual([]);
  });
});

describe("a business that does not announce monitoring (VOICE_ANNOUNCE_MONITORING=false)", () => {
  it("keeps it from the agent: no event, and an empty list; supervisors still see it", async () => {
    const quiet = await startTestApp({ env: { VOICE_ANNOUNCE_MONITORING: "false", TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) } });
    try {
      await createQueue(quiet.pool, { name: "Support" });
      const agent = await createAgent(quiet.pool, { presence: "available", softphoneReady: true });
      const agentCookie = await quiet.login(agent.email);
      const call = await answeredConferenceCall(quiet, { agentId: agent.id, cookie: agentCookie, from: nextPhone() });
      const supervisor = await createAgent(quiet.pool, { role: "supervisor" });
      const cookie = await quiet.login(supervisor.email);
      const agentSocket = await quiet.connectAgent(agentCookie);
      const supervisorSocket = await quiet.connectAgent(cookie);
      const toldAgent: unknown[] = [];
      agentSocket.on("call:monitoring", (e) => toldAgent.push(e));
      const toldSupervisor = nextEvent<CallMonitoringEvent>(supervisorSocket, "call:monitoring");
      expect((await quiet.api(cookie, "POST", `/api/conversations/${call.conversationId}/monitor`, { mode: "listen" })).status).toBe(200);
      expect((await toldSupervisor).monitors).toHaveLength(1);
      const asAgent = await quiet.api<{ monitors: unknown[] }>(agentCookie, "GET", `/api/conversations/${call.conversationId}/monitors`);
      expect(asAgent.body.monitors).toEqual([]);
      expect((await quiet.api<{ monitors: unknown[] }>(cookie, "GET", `/api/conversations/${call.conversationId}/monitors`)).body.monitors).toHaveLength(1);
      expect(toldAgent).toEqual([]);
      agentSocket.disconnect();
      supervisorSocket.disconnect();
    } finally {
      await quiet.close();
    }
  });
});
