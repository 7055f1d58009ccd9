// The supervisors' live board (issue 12, item 1): traffic through the real webhooks, REST and sockets,
// and at each checkpoint the board a watching supervisor holds (its snapshot plus every update) equals
// the database's and the figures the test computes from its own script.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { BoardQueueRow, BoardSnapshot } from "../shared/board.ts";
import { applyBoardUpdate } from "../shared/board-updates.ts";
import { raiseServiceLevelAlert } from "../server/domain/service-levels/raise-alert.ts";
import type { CustomerTier } from "../shared/domain.ts";
import type { AgentClientToServer, AgentServerToClient } from "../shared/events.ts";
import { createAgent, createCustomer, createQueue } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";
import { postSignedForm } from "./support/twilio-webhooks.ts";

type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

let t: TestApp;
let supportId: string;
let billingId: string;
let supervisorCookie: string;
let agentCookie: string;
let agentId: string;
let board: BoardSnapshot;
let updates = 0;
/** Every state the watching screen went through, in order. */
const seen: BoardSnapshot[] = [];

let seq = 100;
const nextPhone = () => `+1415666${String(seq++).padStart(4, "0")}`;

async function callIn(from: string): Promise<{ callSid: string; conversationId: string }> {
  const callSid = newSid("CA");
  await voice("/webhooks/twilio/voice", { CallSid: callSid, From: from, To: "+14155550100", CallStatus: "ringing" });
  const { rows } = await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE external_id = $1`, [callSid]);
  return { callSid, conversationId: rows[0]!.conversation_id };
}
async function voice(path: string, params: Record<string, string>) {
  const res = await postSignedForm({
    url: t.url + path, signatureUrl: t.config.publicUrl + path, authToken: t.fake.authToken,
    params: { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", ...params },
  });
  expect(res.status).toBe(200);
}
async function textIn(tier: CustomerTier): Promise<string> {
  const phone = nextPhone();
  await createCustomer(t.pool, { phone, tier, displayName: `Casey ${tier} ${seq}` });
  const { messageSid, status } = await t.sendSms({ From: phone, Body: "Hello?" });
  expect(status).toBe(200);
  const { rows } = await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE external_id = $1`, [messageSid]);
  return rows[0]!.conversation_id;
}

/** The rows of the board that tests compare (the clock-only fields left out). */
const comparable = (b: BoardSnapshot) => ({
  queues: b.queues.map((q) => ({ ...q })).sort((a, c) => a.key.localeCompare(c.key)),
  agents: b.agents.map((a) => ({ ...a, loads: [...a.loads].sort((x, y) => x.channel.localeCompare(y.channel)) })).sort((a, c) => a.id.localeCompare(c.id)),
  waiting: b.waiting,
  alerts: b.alerts,
});

/** Work settled (no routing in flight), and the watched board caught up with the database. */
async function settle(): Promise<BoardSnapshot> {
  await waitForQueuesToDrain(t.sb.queues, { names: ["routing"] });
  return eventually(async () => {
    const fresh = (await t.api<BoardSnapshot>(supervisorCookie, "GET", "/api/board")).body;
    const same = JSON.stringify(comparable(fresh)) === JSON.stringify(comparable(board));
    return same && fresh;
  }, { timeoutMs: 8000 });
}

const row = (b: BoardSnapshot, queueId: string, channel: string) => b.queues.find((q) => q.queueId === queueId && q.channel === channel)!;
const counts = (q: BoardQueueRow) => ({ waiting: q.waiting, inProgress: q.inProgress, offered: q.offered, answered: q.answered, abandoned: q.abandoned, shortAbandoned: q.shortAbandoned });
const level = (q: BoardQueueRow, tier: CustomerTier) => q.tiers.find((x) => x.tier === tier)!;

beforeAll(async () => {
  t = await startTestApp({ start: { boardCoalesceMs: 50, boardFullEveryMs: 600_000 } });
  supportId = (await createQueue(t.pool, { name: "Support" })).id;
  billingId = (await createQueue(t.pool, { name: "Billing" })).id;
  await t.pool.query(`UPDATE metric_settings SET short_abandon_seconds = 5`);
  const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
  const agent = await createAgent(t.pool, { name: "Ada Agent", capacity: { sms: 3 } });
  agentId = agent.id;
  await t.pool.query(`DELETE FROM queue_members WHERE agent_id = $1`, [supervisor.id]);
  supervisorCookie = await t.login(supervisor.email);
  agentCookie = await t.login(agent.email);
  const socket: AgentSocket = await t.connectAgent(supervisorCookie);
  socket.on("board:update", (u) => {
    updates++;
    board = applyBoardUpdate(board, u);
    seen.push(board);
  });
  const ack = await socket.emitWithAck("board:watch", {});
  if (!ack.ok) throw new Error(ack.error.code);
  board = ack.data;
});
afterAll(async () => t?.close());

describe("the live board", () => {
  it("follows a scripted stretch of traffic, and at every checkpoint equals the database and the script's own counts", async () => {
    // 1. Six customers text in while nobody is available: all wait in Support.
    const tiers: CustomerTier[] = ["platinum", "platinum", "gold", "gold", "standard", "standard"];
    const texts: { id: string; tier: CustomerTier }[] = [];
    for (const tier of tiers) texts.push({ id: await textIn(tier), tier });
    let b = await settle();
    expect(counts(row(b, supportId, "sms"))).toEqual({ waiting: 6, inProgress: 0, offered: 6, answered: 0, abandoned: 0, shortAbandoned: 0 });
    expect(b.waiting.map((w) => w.conversationId).sort()).toEqual(texts.map((x) => x.id).sort());
    // The soonest due first: platinum, then gold, then standard.
    expect(b.waiting.map((w) => w.tier)).toEqual(["platinum", "platinum", "gold", "gold", "standard", "standard"]);

    // 2. Ada signs on and accepts what she is offered until her three SMS slots are full, then resolves one.
    expect((await t.api(agentCookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
    const accepted: string[] = [];
    while (accepted.length < 3) {
      const offer = await eventually(async () =>
        (await t.pool.query<{ id: string; conversation_id: string }>(`SELECT id, conversation_id FROM offers WHERE agent_id = $1 AND status = 'pending'`, [agentId])).rows[0],
      );
      expect((await t.api(agentCookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
      accepted.push(offer.conversation_id);
    }
    expect((await t.api(agentCookie, "POST", `/api/conversations/${accepted[0]}/resolve`)).status).toBe(200);
    b = await settle();
    expect(counts(row(b, supportId, "sms"))).toEqual({ waiting: 3, inProgress: 2, offered: 6, answered: 3, abandoned: 0, shortAbandoned: 0 });
    // Every answer was within its tier's target, by tier of what she took.
    const tierOf = new Map(texts.map((x) => [x.id, x.tier]));
    for (const tier of ["platinum", "gold", "standard"] as const) {
      const answeredOfTier = accepted.filter((id) => tierOf.get(id) === tier).length;
      expect(level(row(b, supportId, "sms"), tier)).toEqual({ tier, counted: answeredOfTier, met: answeredOfTier });
    }
    const ada = b.agents.find((a) => a.id === agentId)!;
    expect(ada.presence).toBe("available");
    expect(ada.conversations.map((c) => c.id).sort()).toEqual(accepted.slice(1).sort());
    expect(ada.loads.find((l) => l.channel === "sms")).toMatchObject({ assigned: 2, capacity: 3 });

    // 3. A supervisor moves a waiting text to Billing; two callers hang up, one at once (a short
    //    abandon) and one after 30 s (past the 1 s standard target: counted against it).
    await t.pool.query(`INSERT INTO service_targets (queue_id, tier, channel, seconds) VALUES ($1, 'standard', 'voice', 1)`, [supportId]);
    const stillWaiting = texts.map((x) => x.id).filter((id) => !accepted.includes(id));
    expect((await t.api(supervisorCookie, "POST", `/api/conversations/${stillWaiting[0]}/queue`, { queueId: billingId })).status).toBe(200);
    const quick = await callIn(nextPhone());
    const patient = await callIn(nextPhone());
    await t.pool.query(`UPDATE conversations SET waiting_since = waiting_since - interval '30 seconds' WHERE id = $1`, [patient.conversationId]);
    for (const c of [quick, patient]) await voice("/webhooks/twilio/voice/status", { CallSid: c.callSid, CallStatus: "completed", CallDuration: "0" });
    b = await settle();
    // Support counts the moved text as offered there (it joined), Billing counts it again.
    expect(counts(row(b, supportId, "sms"))).toEqual({ waiting: 2, inProgress: 2, offered: 6, answered: 3, abandoned: 0, shortAbandoned: 0 });
    expect(counts(row(b, billingId, "sms"))).toEqual({ waiting: 1, inProgress: 0, offered: 1, answered: 0, abandoned: 0, shortAbandoned: 0 });
    expect(counts(row(b, supportId, "voice"))).toEqual({ waiting: 0, inProgress: 0, offered: 2, answered: 0, abandoned: 1, shortAbandoned: 1 });
    expect(level(row(b, supportId, "voice"), "standard")).toEqual({ tier: "standard", counted: 1, met: 0 });

    // The queue rows agree with the conversations table itself, read the test's own way.
    const { rows } = await t.pool.query<{ queue_id: string; channel: string; waiting: number; handled: number }>(
      `SELECT queue_id, channel, count(*) FILTER (WHERE status IN ('queued', 'offered'))::int AS waiting,
              count(*) FILTER (WHERE status IN ('assigned', 'pending_customer'))::int AS handled
         FROM conversations WHERE status <> 'resolved' GROUP BY 1, 2`,
    );
    for (const r of rows) expect([row(b, r.queue_id, r.channel).waiting, row(b, r.queue_id, r.channel).inProgress]).toEqual([r.waiting, r.handled]);
    expect(updates).toBeGreaterThan(0);
  });

  it("never shows a moment the database did not have, through a burst of texts answered as they arrive", async () => {
    const before = await settle();
    const base = row(before, supportId, "sms");
    const bob = await createAgent(t.pool, { name: "Bob Burst", capacity: { sms: 8 } });
    const bobCookie = await t.login(bob.email);
    seen.length = 0;
    const readsBefore = t.sb.board!.stats();
    expect((await t.api(bobCookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
    // Texts arrive ten at a time while Bob accepts whatever he is offered, until his eight slots are full.
    let accepted = 0;
    const accepting = (async () => {
      while (accepted < 8) {
        const { rows } = await t.pool.query<{ id: string }>(`SELECT id FROM offers WHERE agent_id = $1 AND status = 'pending'`, [bob.id]);
        for (const o of rows) if ((await t.api(bobCookie, "POST", `/api/offers/${o.id}/accept`)).status === 200) accepted++;
      }
    })();
    const tiers: CustomerTier[] = ["standard", "gold", "platinum"];
    for (let batch = 0; batch < 3; batch++) await Promise.all(Array.from({ length: 10 }, (_, i) => textIn(tiers[i % 3]!)));
    await accepting;
    const after = await settle();
    const end = row(after, supportId, "sms");
    expect(end.offered - base.offered).toBe(30);
    expect(end.answered - base.answered).toBe(8);
    expect(seen.length).toBeGreaterThan(1);
    // Every state the screen showed is one snapshot: what joined today is waiting or was answered (nothing
    // else happened meanwhile), and the agents' SMS loads add up to the SMS work in progress.
    for (const b of seen) {
      const q = row(b, supportId, "sms");
      expect(q.offered - base.offered).toBe(q.waiting - base.waiting + (q.answered - base.answered));
      const handled = b.queues.filter((r) => r.channel === "sms").reduce((n, r) => n + r.inProgress, 0);
      const loads = b.agents.reduce((n, a) => n + (a.loads.find((l) => l.channel === "sms")?.assigned ?? 0), 0);
      expect(loads).toBe(handled);
    }
    // Each read took again only what the events named (Bob, the conversations, who held them): none
    // read the whole board, and yet the board equals the database (settle compared them).
    const readsAfter = t.sb.board!.stats();
    expect(readsAfter.reads).toBeGreaterThan(readsBefore.reads);
    expect(readsAfter.fullReads).toBe(readsBefore.fullReads);

    // A customer renamed is named in whoever's work holds them: that event names no agent, so the whole
    // board is read again.
    const held = await t.pool.query<{ customer_id: string; id: string }>(`SELECT customer_id, id FROM conversations WHERE assigned_agent_id = $1 LIMIT 1`, [bob.id]);
    expect((await t.api(supervisorCookie, "PATCH", `/api/customers/${held.rows[0]!.customer_id}`, { displayName: "Renamed Rita" })).status).toBe(200);
    const renamed = await settle();
    expect(renamed.agents.find((a) => a.id === bob.id)!.conversations.find((c) => c.id === held.rows[0]!.id)!.customerName).toBe("Renamed Rita");
    expect(t.sb.board!.stats().fullReads).toBe(readsAfter.fullReads + 1);
  });

  it("reads again every agent written since its last read, even one whose event has not arrived yet", async () => {
    await settle();
    const quiet = await createAgent(t.pool, { name: "Quinn Quiet", capacity: { sms: 2 } });
    const loud = await createAgent(t.pool, { name: "Lou Loud" });
    const loudCookie = await t.login(loud.email);
    await settle();
    const fullBefore = t.sb.board!.stats().fullReads;
    // Written straight to the database, so no event names Quinn (as if it were still on its way): the
    // next read, made for Lou's event, must take Quinn's row again too, or its queue rows and agent rows
    // would come from two different moments.
    await t.pool.query(`UPDATE agents SET presence = 'away', presence_changed_at = now() WHERE id = $1`, [quiet.id]);
    expect((await t.api(loudCookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
    const b = await settle();
    expect(b.agents.find((a) => a.id === quiet.id)!.presence).toBe("away");
    expect(t.sb.board!.stats().fullReads).toBe(fullBefore);
  });

  it("raises alerts from the state now: a queue over its waiting limit, an agent away too long, a failing channel", async () => {
    await t.pool.query(`UPDATE queues SET waiting_alert_seconds = 10 WHERE id = $1`, [billingId]);
    await t.pool.query(`UPDATE conversations SET waiting_since = waiting_since - interval '1 minute' WHERE queue_id = $1 AND status = 'queued'`, [billingId]);
    const away = await t.pool.query<{ id: string }>(`INSERT INTO away_reasons (name) VALUES ('Lunch') ON CONFLICT (name) DO UPDATE SET active = true RETURNING id`);
    expect((await t.api(agentCookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: away.rows[0]!.id })).status).toBe(200);
    await t.pool.query(`UPDATE agents SET presence_changed_at = now() - interval '2 hours' WHERE id = $1`, [agentId]);
    await t.pool.query(`INSERT INTO channel_health (channel, status, reason) VALUES ('email', 'failing', 'SMTP refused the login')
                        ON CONFLICT (channel) DO UPDATE SET status = 'failing', reason = EXCLUDED.reason, since = now()`);
    // Nothing announced these changes made straight in the tables: the board's own refresh finds them.
    const fresh = await eventually(async () => {
      const kinds = board.alerts.map((a) => a.kind);
      return ["queue_waiting", "agent_away", "channel_failing"].every((k) => kinds.includes(k as never)) && board;
    }, { timeoutMs: 12_000 });
    const byKind = Object.fromEntries(fresh.alerts.map((a) => [a.kind, a]));
    expect(byKind.queue_waiting).toMatchObject({ queueId: billingId, channel: "sms", severity: "warning" });
    expect(byKind.agent_away).toMatchObject({ agentId, severity: "warning" });
    expect(byKind.agent_away!.text).toContain("Lunch");
    expect(byKind.channel_failing).toMatchObject({ channel: "email", severity: "critical" });
    // Critical first.
    expect(fresh.alerts[0]!.severity).toBe("critical");
  });

  it("shows a wait's service-level breach as a critical alert while it waits, and drops it once answered", async () => {
    const c = await textIn("platinum");
    const { rows } = await t.pool.query<{ waiting_since: Date }>(
      `UPDATE conversations SET waiting_since = waiting_since - interval '2 hours' WHERE id = $1 RETURNING waiting_since`, [c],
    );
    const raised = await raiseServiceLevelAlert({ pool: t.pool, events: t.sb.events, queues: t.sb.queues }, { conversationId: c, kind: "breach", waitingSince: rows[0]!.waiting_since });
    expect(raised.outcome).toBe("raised");
    const alert = await eventually(async () => board.alerts.find((a) => a.conversationId === c));
    expect(alert).toMatchObject({ kind: "service_level_breach", severity: "critical", queueId: supportId, channel: "sms" });
    expect(row(board, supportId, "sms").breached).toBeGreaterThanOrEqual(1);
    const supervisorTakes = await t.api(supervisorCookie, "POST", `/api/supervisor/conversations/${c}/take`, {});
    expect(supervisorTakes.status).toBe(200);
    await eventually(async () => !board.alerts.some((a) => a.conversationId === c));
  });

  it("counts today from midnight in the queue's time zone", async () => {
    const q = (await createQueue(t.pool, { name: "Tokyo desk" })).id;
    await t.pool.query(`UPDATE queues SET timezone = 'Asia/Tokyo' WHERE id = $1`, [q]);
    const c = await textIn("standard");
    await t.api(supervisorCookie, "POST", `/api/conversations/${c}/queue`, { queueId: q });
    // One answered just after Tokyo's midnight, one just before it: only the first is today's.
    const { rows } = await t.pool.query<{ day_start: Date }>(`SELECT date_trunc('day', now() AT TIME ZONE 'Asia/Tokyo') AT TIME ZONE 'Asia/Tokyo' AS day_start`);
    const dayStart = rows[0]!.day_start.getTime();
    await t.pool.query(
      `INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at, ended_at, outcome)
       VALUES ($1, $2, 'sms', 'standard', 900, $3, $3, $4, 'answered'), ($1, $2, 'sms', 'standard', 900, $5, $5, $6, 'answered')`,
      [c, q, new Date(dayStart + 1000), new Date(dayStart + 2000), new Date(dayStart - 5000), new Date(dayStart - 1000)],
    );
    const b = (await t.api<BoardSnapshot>(supervisorCookie, "GET", "/api/board")).body;
    expect(counts(row(b, q, "sms"))).toMatchObject({ offered: 2, answered: 1, waiting: 1 });
  });

  it("is for supervisors and admins: an agent is refused on the socket and over REST", async () => {
    const socket: AgentSocket = await t.connectAgent(agentCookie);
    const ack = await socket.emitWithAck("board:watch", {});
    expect(ack).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect((await t.api(agentCookie, "GET", "/api/board")).status).toBe(403);
    expect((await t.api(agentCookie, "GET", "/api/board-settings")).status).toBe(403);
    expect((await t.api(supervisorCookie, "PUT", "/api/board-settings", { awayAlertSeconds: 600 })).status).toBe(403);
  });

  it("lets an admin set the agent alert limits, validated and audited", async () => {
    const admin = await createAgent(t.pool, { role: "admin" });
    const cookie = await t.login(admin.email);
    const bad = await t.api<{ error: { code: string } }>(cookie, "PUT", "/api/board-settings", { awayAlertSeconds: 5 });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "VALIDATION" } } });
    const ok = await t.api(cookie, "PUT", "/api/board-settings", { wrapUpAlertSeconds: 90 });
    expect(ok).toMatchObject({ status: 200, body: { wrapUpAlertSeconds: 90, awayAlertSeconds: 1800 } });
    const audit = await t.pool.query(`SELECT actor_id, data FROM audit_events WHERE action = 'board_settings_updated'`);
    expect(audit.rows).toEqual([{ actor_id: admin.id, data: { before: { wrapUpAlertSeconds: 180, awayAlertSeconds: 1800 }, after: { wrapUpAlertSeconds: 90, awayAlertSeconds: 1800 } } }]);
  });
});
