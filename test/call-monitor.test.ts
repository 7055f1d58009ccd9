// A supervisor listens to a call (a muted participant in its conference), whispers to the agent
// (coaching the agent's leg) or barges in, changes mode and stops: each request reaches the fake Twilio
// API exactly so, each is audited, and the agent is told when the business announces monitoring.
// test/call-conference.test.ts has the conference itself: joining, callbacks, hold and transfers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallMonitoringEvent } from "../shared/call-monitor.ts";
import { answeredConferenceCall, conferenceCallback, conferenceHelpers, legJoins } from "./support/conference-calls.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

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

let seq = 100;
const nextPhone = () => `+1646555${String(seq++).padStart(4, "0")}`;
const { participantsPath, requestsTo, callInConference } = conferenceHelpers(() => t, nextPhone);
const auditOf = async (conversationId: string) =>
  (await t.pool.query(`SELECT actor_id, action, data FROM audit_events WHERE entity_id = $1 AND action LIKE 'call.monitor%' ORDER BY created_at, id`, [conversationId])).rows;

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
