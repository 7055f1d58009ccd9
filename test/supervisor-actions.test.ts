// Acting from the live board (issue 12, item 2): a supervisor takes, reassigns or moves a conversation,
// changes an agent's state, signs an agent out. Each change is audited, the agent affected is told on
// their socket, agents are refused, and two supervisors at once give one winner and one CONFLICT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentView, AwayReasonView, ConversationView } from "../shared/api.ts";
import type { AgentNotice } from "../shared/events.ts";
import { createConversation, createOffer } from "./support/conversations.ts";
import { createAgent, createQueue, setMemberships } from "./support/factories.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let sup: { id: string; name: string; cookie: string };
let sup2: { id: string; name: string; cookie: string };
type ErrorAnswer = { error: { code: string; details?: Record<string, unknown> } };

beforeAll(async () => {
  t = await startTestApp({
    env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) },
  });
  // The first queue of an install is the default and takes every agent: made here, so the queues the tests make are not.
  await createQueue(t.pool, { name: "General" });
  const s1 = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
  const s2 = await createAgent(t.pool, { role: "admin", name: "Ada Admin" });
  sup = { ...s1, cookie: await t.login(s1.email) };
  sup2 = { ...s2, cookie: await t.login(s2.email) };
});
afterAll(async () => t?.close());

/** An agent signed in with a socket open (their workspace). */
async function signedInAgent(overrides: Parameters<typeof createAgent>[1] = {}) {
  const agent = await createAgent(t.pool, overrides);
  const cookie = await t.login(agent.email);
  return { ...agent, cookie, socket: await t.connectAgent(cookie) };
}
const row = async (id: string) =>
  (await t.pool.query(`SELECT status, assigned_agent_id, queue_id, waiting_since FROM conversations WHERE id = $1`, [id])).rows[0];
const audits = async (entityId: string) =>
  (await t.pool.query(`SELECT action, actor_id, data FROM audit_events WHERE entity_id = $1 AND action LIKE 'supervisor.%' ORDER BY created_at`, [entityId])).rows;
const load = async (agentId: string, channel = "sms") =>
  (await t.pool.query(`SELECT assigned, offered FROM agent_loads WHERE agent_id = $1 AND channel = $2`, [agentId, channel])).rows[0];
const noticeOn = (socket: Awaited<ReturnType<typeof signedInAgent>>["socket"]) =>
  nextEvent<AgentNotice>(socket, "agent:notice", (n) => n.kind === "supervisor_action");

describe("taking a conversation", () => {
  it("out of the queue: the pending offer is withdrawn (its agent told), the wait ends, the supervisor has it", async () => {
    const offered = await signedInAgent();
    const offer = await createOffer(t.pool, offered.id);
    const closed = nextEvent<{ offerId: string; status: string }>(offered.socket, "offer:closed");
    const told = noticeOn(offered.socket);
    const res = await t.api<{ conversation: ConversationView }>(sup.cookie, "POST", `/api/supervisor/conversations/${offer.conversationId}/take`, {});
    expect(res.status).toBe(200);
    expect(res.body.conversation).toMatchObject({ status: "assigned", assignedAgentId: sup.id, waitingSince: null });
    expect(await closed).toMatchObject({ offerId: offer.id, status: "withdrawn" });
    expect((await told).message).toMatch(/^Sam Supervisor took .* offered to you$/);
    expect((await t.pool.query(`SELECT status FROM offers WHERE id = $1`, [offer.id])).rows[0].status).toBe("withdrawn");
    expect(await load(offered.id)).toEqual({ assigned: 0, offered: 0 });
    expect(await load(sup.id)).toMatchObject({ assigned: 1 });
    expect(await audits(offer.conversationId)).toEqual([
      {
        action: "supervisor.take",
        actor_id: sup.id,
        data: { before: { status: "offered", assignedAgentId: null }, after: { status: "assigned", assignedAgentId: sup.id }, withdrawnOfferIds: [offer.id] },
      },
    ]);
  });

  it("from an agent: their work list loses it and they are told who took it; taking it twice is a CONFLICT", async () => {
    const owner = await signedInAgent();
    const c = await createConversation(t.pool, { assignedAgentId: owner.id });
    const updated = nextEvent<ConversationView>(owner.socket, "conversation:updated", (cv) => cv.id === c.id);
    const told = noticeOn(owner.socket);
    expect((await t.api(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/take`, { fromAgentId: owner.id })).status).toBe(200);
    expect((await updated).assignedAgentId).toBe(sup.id);
    expect(await told).toMatchObject({ conversationId: c.id, message: expect.stringContaining("Sam Supervisor took") });
    expect(await row(c.id)).toMatchObject({ status: "assigned", assigned_agent_id: sup.id });
    expect(await load(owner.id)).toMatchObject({ assigned: 0 });
    const again = await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/take`);
    expect(again.body.error.code).toBe("CONFLICT");
    // A board that still shows the owner is out of date: refused, naming who has it now.
    const stale = await t.api<ErrorAnswer>(sup2.cookie, "POST", `/api/supervisor/conversations/${c.id}/take`, { fromAgentId: owner.id });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "CONFLICT", details: { assignedAgentId: sup.id } });
  });

  it("two supervisors at once: one wins, the other gets CONFLICT", async () => {
    const owner = await createAgent(t.pool);
    const c = await createConversation(t.pool, { assignedAgentId: owner.id });
    // Hold the row so both requests have read the same state and wait at their update, then let go.
    const blocker = await t.pool.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(`SELECT id FROM conversations WHERE id = $1 FOR UPDATE`, [c.id]);
      const both = [sup, sup2].map((s) => t.api<ErrorAnswer>(s.cookie, "POST", `/api/supervisor/conversations/${c.id}/take`, { fromAgentId: owner.id }));
      await eventually(async () => {
        const { rows } = await t.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE conversations%'`,
        );
        return rows[0].n === 2;
      });
      await blocker.query("COMMIT");
      const answers = await Promise.all(both);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.error.code).toBe("CONFLICT");
    } finally {
      blocker.release();
    }
    expect(await audits(c.id)).toHaveLength(1);
  });
});

describe("reassigning", () => {
  it("to another agent within their capacity; over it only with force; never to a deactivated agent", async () => {
    const from = await signedInAgent();
    const to = await signedInAgent({ capacity: { sms: 1 } });
    const c = await createConversation(t.pool, { assignedAgentId: from.id });
    await createConversation(t.pool, { assignedAgentId: to.id }); // fills `to`'s one sms slot
    const reassign = (body: Record<string, unknown>, id = c.id) => t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/conversations/${id}/reassign`, body);

    const full = await reassign({ agentId: to.id });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({ code: "AGENT_UNAVAILABLE", details: { reason: "no_free_capacity", load: 1, capacity: 1 } });
    expect(await row(c.id)).toMatchObject({ assigned_agent_id: from.id });

    const lost = noticeOn(from.socket);
    const gained = noticeOn(to.socket);
    const arrived = nextEvent<ConversationView>(to.socket, "conversation:updated", (cv) => cv.id === c.id);
    expect((await reassign({ agentId: to.id, force: true })).status).toBe(200);
    expect((await lost).message).toContain(`to ${to.name}`);
    expect((await gained).message).toContain("assigned");
    expect((await arrived).assignedAgentId).toBe(to.id);
    expect(await load(to.id)).toMatchObject({ assigned: 2 });
    expect(await audits(c.id)).toEqual([
      expect.objectContaining({ action: "supervisor.reassign", data: expect.objectContaining({ before: { status: "assigned", assignedAgentId: from.id }, forced: true }) }),
    ]);

    const gone = await createAgent(t.pool);
    await t.pool.query(`UPDATE agents SET deactivated_at = now() WHERE id = $1`, [gone.id]);
    const refused = await reassign({ agentId: gone.id });
    expect(refused.body.error).toMatchObject({ code: "AGENT_UNAVAILABLE", details: { reason: "deactivated" } });
    expect((await reassign({ agentId: "not-an-id" })).body.error.code).toBe("VALIDATION");
    expect((await reassign({ agentId: to.id, extra: 1 })).body.error.code).toBe("VALIDATION");
  });

  it("a call on the line goes through the call's transfer: Twilio rings the new agent", async () => {
    const from = await createAgent(t.pool, { presence: "busy" });
    const to = await createAgent(t.pool, { presence: "available", softphoneReady: true });
    const c = await createConversation(t.pool, { channel: "voice", assignedAgentId: from.id });
    const res = await t.api<{ conversation: ConversationView }>(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/reassign`, { agentId: to.id });
    expect(res.status).toBe(200);
    const update = t.fake.callUpdates().filter((r) => r.path.endsWith(`/Calls/${c.callSid}.json`)).at(-1)!;
    expect(update.form.Twiml).toContain(`agent-${to.id}`);
    expect(await row(c.id)).toMatchObject({ assigned_agent_id: to.id });
    expect(await audits(c.id)).toEqual([expect.objectContaining({ action: "supervisor.reassign", data: expect.objectContaining({ call: true }) })]);
    // The supervisor is not reachable for a call (no softphone): a call cannot be taken by them.
    const take = await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/take`);
    expect(take.body.error.code).toBe("AGENT_UNAVAILABLE");
  });
});

describe("a waiting call", () => {
  it("taken by a supervisor who can take calls: out of the queue, into its conference, and Twilio rings their softphone", async () => {
    const reachable = await createAgent(t.pool, { role: "supervisor", presence: "available", softphoneReady: true });
    const cookie = await t.login(reachable.email);
    const c = await createConversation(t.pool, { channel: "voice" });
    // Someone with nowhere to ring is refused before anything changes (the caller keeps waiting).
    const unreachable = await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/take`);
    expect(unreachable.body.error).toMatchObject({ code: "AGENT_UNAVAILABLE", details: { reason: "not_available" } });
    expect(await row(c.id)).toMatchObject({ status: "queued", assigned_agent_id: null });
    const res = await t.api<{ conversation: ConversationView }>(cookie, "POST", `/api/supervisor/conversations/${c.id}/take`, { fromAgentId: null });
    expect(res.status).toBe(200);
    expect(await row(c.id)).toMatchObject({ status: "assigned", assigned_agent_id: reachable.id, waiting_since: null });
    // The caller joins the call's conference, and the supervisor's softphone is rung into it.
    const update = t.fake.callUpdates().filter((r) => r.path.endsWith(`/Calls/${c.callSid}.json`)).at(-1)!;
    expect(update.form.Twiml).toContain(`conv-${c.id}`);
    const leg = await eventually(async () => t.fake.participantRequests().find((r) => r.form.To === `client:agent-${reachable.id}`));
    expect(leg.path).toContain(`conv-${c.id}`);
    expect(await load(reachable.id, "voice")).toMatchObject({ assigned: 1 });
  });
});

describe("moving to a queue", () => {
  it("unassigns it, puts it back in line from now, tells its agent, and routes it again", async () => {
    const owner = await signedInAgent();
    const queue = await createQueue(t.pool, { name: "Escalations" });
    const member = await createAgent(t.pool, { presence: "available" });
    await setMemberships(t.pool, member.id, [{ queueId: queue.id }]);
    const c = await createConversation(t.pool, { assignedAgentId: owner.id });
    const told = noticeOn(owner.socket);
    const gone = nextEvent<ConversationView>(owner.socket, "conversation:updated", (cv) => cv.id === c.id);
    const res = await t.api<{ conversation: ConversationView }>(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/move`, { queueId: queue.id });
    expect(res.status).toBe(200);
    expect((await told).message).toContain("to Escalations");
    expect((await gone).assignedAgentId).toBeNull();
    const moved = await row(c.id);
    expect(moved).toMatchObject({ assigned_agent_id: null, queue_id: queue.id });
    expect(moved.waiting_since).not.toBeNull();
    expect(await audits(c.id)).toEqual([
      expect.objectContaining({ action: "supervisor.move", data: expect.objectContaining({ before: { status: "assigned", queueId: null, assignedAgentId: owner.id } }) }),
    ]);
    // Routed again: the queue's available member is offered it.
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'pending'`, [c.id, member.id])).rowCount);
    expect((await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/move`, { queueId: queue.id })).body.error.code).toBe("VALIDATION");
  });

  it("keeps a waiting conversation's waiting time", async () => {
    const queue = await createQueue(t.pool);
    const c = await createConversation(t.pool);
    await t.pool.query(`UPDATE conversations SET waiting_since = now() - interval '10 minutes' WHERE id = $1`, [c.id]);
    const before = (await row(c.id)).waiting_since as Date;
    expect((await t.api(sup.cookie, "POST", `/api/supervisor/conversations/${c.id}/move`, { queueId: queue.id })).status).toBe(200);
    expect(((await row(c.id)).waiting_since as Date).getTime()).toBe(before.getTime());
  });
});

describe("an agent's state", () => {
  it("set by a supervisor (away needs an active reason): the agent sees it and is told who; audited", async () => {
    const agent = await signedInAgent({ presence: "available" });
    const reasons = (await t.api<{ awayReasons: AwayReasonView[] }>(sup.cookie, "GET", "/api/away-reasons")).body.awayReasons;
    const lunch = reasons.find((r) => r.name === "Lunch")!;
    const seen = nextEvent<AgentView>(agent.socket, "agent:updated", (a) => a.id === agent.id);
    const told = noticeOn(agent.socket);
    const res = await t.api<{ agent: AgentView }>(sup.cookie, "POST", `/api/supervisor/agents/${agent.id}/state`, { presence: "away", awayReasonId: lunch.id });
    expect(res.status).toBe(200);
    expect((await seen)).toMatchObject({ presence: "away", awayReason: { id: lunch.id, name: "Lunch" } });
    expect((await told).message).toBe("Sam Supervisor set your state to Away (Lunch)");
    expect(await audits(agent.id)).toEqual([
      {
        action: "supervisor.set_state",
        actor_id: sup.id,
        data: { before: { presence: "available", awayReasonId: null }, after: { presence: "away", awayReasonId: lunch.id } },
      },
    ]);
    const unknownReason = await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/agents/${agent.id}/state`, { presence: "away", awayReasonId: crypto.randomUUID() });
    expect(unknownReason.body.error.code).toBe("VALIDATION");
    expect((await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/agents/${agent.id}/state`, { presence: "busy" })).body.error.code).toBe("VALIDATION");
    expect((await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/agents/${sup.id}/state`, { presence: "away" })).body.error.code).toBe("VALIDATION");
  });

  it("cannot be made available when they are not signed in", async () => {
    const absent = await createAgent(t.pool);
    const res = await t.api<ErrorAnswer>(sup.cookie, "POST", `/api/supervisor/agents/${absent.id}/state`, { presence: "available" });
    expect(res.body.error).toMatchObject({ code: "AGENT_UNAVAILABLE", details: { reason: "not_signed_in" } });
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [absent.id])).rows[0].presence).toBe("offline");
    expect(await audits(absent.id)).toEqual([]);
  });
});

describe("signing an agent out", () => {
  it("ends their sessions and sockets now, sets them offline, withdraws their offers; the old cookie no longer connects", async () => {
    const agent = await signedInAgent({ presence: "available" });
    const secondSocket = await t.connectAgent(agent.cookie);
    const offer = await createOffer(t.pool, agent.id);
    const told = noticeOn(agent.socket);
    const ended = [agent.socket, secondSocket].map((s) => nextEvent<{ reason: string }>(s, "session:ended"));
    const res = await t.api<{ agent: AgentView; sessionsEnded: number }>(sup.cookie, "POST", `/api/supervisor/agents/${agent.id}/sign-out`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ agent: { presence: "offline" }, sessionsEnded: 1 });
    expect((await told).message).toBe("Sam Supervisor signed you out");
    expect((await Promise.all(ended)).map((e) => e.reason)).toEqual(["signed_out", "signed_out"]);
    await eventually(async () => !agent.socket.connected && !secondSocket.connected);
    expect((await t.pool.query(`SELECT status FROM offers WHERE id = $1`, [offer.id])).rows[0].status).toBe("withdrawn");
    expect((await t.api(agent.cookie, "GET", "/api/me")).status).toBe(401);
    await expect(t.connectAgent(agent.cookie)).rejects.toThrow("UNAUTHENTICATED");
    expect(await audits(agent.id)).toEqual([
      { action: "supervisor.sign_out", actor_id: sup.id, data: { before: { presence: "available" }, after: { presence: "offline" }, sessionsEnded: 1 } },
    ]);
  });
});

describe("agents", () => {
  it("are refused every supervisor action (403 FORBIDDEN), and nothing changes", async () => {
    const agent = await signedInAgent();
    const other = await createAgent(t.pool, { presence: "available" });
    const queue = await createQueue(t.pool);
    const c = await createConversation(t.pool, { assignedAgentId: other.id });
    const calls: [string, unknown][] = [
      [`/api/supervisor/conversations/${c.id}/take`, {}],
      [`/api/supervisor/conversations/${c.id}/reassign`, { agentId: agent.id }],
      [`/api/supervisor/conversations/${c.id}/move`, { queueId: queue.id }],
      [`/api/supervisor/agents/${other.id}/state`, { presence: "away" }],
      [`/api/supervisor/agents/${other.id}/sign-out`, undefined],
    ];
    for (const [path, body] of calls) {
      const res = await t.api<ErrorAnswer>(agent.cookie, "POST", path, body);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe("FORBIDDEN");
    }
    expect(await row(c.id)).toMatchObject({ assigned_agent_id: other.id, status: "assigned" });
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [other.id])).rows[0].presence).toBe("available");
  });
});
