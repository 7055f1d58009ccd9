// Many queues: members and skills per queue, earliest due first across tiers and channels, overflow by time
// and when nobody is signed in, moving a conversation to another queue.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OfferView } from "../shared/api.ts";
import { createAgent, createCustomer, createQueue, setMemberships } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let defaultQueue: string;
beforeAll(async () => {
  t = await startTestApp();
  defaultQueue = (await createQueue(t.pool, { name: "Support" })).id;
});
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.pool.query(`UPDATE agents SET presence = 'offline'`);
  await t.pool.query(`UPDATE offers SET status = 'withdrawn' WHERE status = 'pending'`);
  await t.pool.query(`UPDATE conversations SET status = 'resolved', waiting_since = NULL WHERE status <> 'resolved'`);
});

let phoneSeq = 1000;
const nextPhone = () => `+1646555${String(phoneSeq++).padStart(4, "0")}`;
const conversationOf = async (messageSid: string) =>
  (await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE external_id = $1`, [messageSid])).rows[0]!.conversation_id;
const pendingOffers = async (agentId: string) =>
  (await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM offers WHERE agent_id = $1 AND status = 'pending' ORDER BY created_at, id`, [agentId]))
    .rows.map((r) => r.conversation_id);
const row = async (conversationId: string) =>
  (await t.pool.query<{ queue_id: string; status: string; waiting_since: Date; due_at: Date; queue_entered_at: Date; target_seconds: number }>(
    `SELECT queue_id, status, waiting_since, due_at, queue_entered_at, target_seconds FROM conversations WHERE id = $1`,
    [conversationId],
  )).rows[0]!;

/** A waiting conversation inserted as ingest would leave it, waiting since `waitedSeconds` ago. */
async function waiting(opts: { queueId: string; channel?: "sms" | "chat" | "voice"; tier?: "standard" | "gold" | "platinum"; waitedSeconds?: number }) {
  const phone = nextPhone();
  const customer = await createCustomer(t.pool, { phone, tier: opts.tier ?? "standard" });
  const { rows } = await t.pool.query<{ id: string; priority: number }>(
    `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, waiting_since)
     VALUES ($1, $2, 'queued', $3, $4, now() - make_interval(secs => $5)) RETURNING id, priority`,
    [customer.id, opts.channel ?? "sms", opts.queueId, phone, opts.waitedSeconds ?? 0],
  );
  return rows[0]!.id;
}

describe("queues", () => {
  it("serves the earliest due first across tiers and channels: a standard customer about to breach before a new platinum one", async () => {
    const queue = (await createQueue(t.pool)).id;
    const agent = await createAgent(t.pool, { capacity: { sms: 5, chat: 3 } });
    await setMemberships(t.pool, agent.id, [{ queueId: queue }]);
    // Built-in targets: standard SMS 900 s, gold chat 80 s, platinum SMS 300 s, standard chat 120 s.
    const aboutToBreach = await waiting({ queueId: queue, tier: "standard", waitedSeconds: 870 }); // due in 30 s
    const platinumNew = await waiting({ queueId: queue, tier: "platinum" }); // due in 300 s
    const goldChat = await waiting({ queueId: queue, channel: "chat", tier: "gold" }); // due in 80 s
    const standardChat = await waiting({ queueId: queue, channel: "chat", tier: "standard", waitedSeconds: 10 }); // due in 110 s
    expect((await row(goldChat)).target_seconds).toBe(80);
    const cookie = await t.login(agent.email);
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "available" });
    await eventually(async () => (await pendingOffers(agent.id)).length === 4);
    expect(await pendingOffers(agent.id)).toEqual([aboutToBreach, goldChat, standardChat, platinumNew]);
  });

  it("offers a queue's work only to its members with its skills, preferring the higher level", async () => {
    const spanish = (await createQueue(t.pool, { requiredSkills: ["spanish"] })).id;
    const expert = await createAgent(t.pool, { skills: ["spanish"], presence: "available" });
    const novice = await createAgent(t.pool, { skills: ["spanish"], presence: "available" });
    const unskilled = await createAgent(t.pool, { presence: "available" });
    const outsider = await createAgent(t.pool, { skills: ["spanish"], presence: "available" });
    await setMemberships(t.pool, expert.id, [{ queueId: spanish, level: 9 }]);
    await setMemberships(t.pool, novice.id, [{ queueId: spanish, level: 2 }]);
    await setMemberships(t.pool, unskilled.id, [{ queueId: spanish, level: 10 }]);
    await setMemberships(t.pool, outsider.id, [{ queueId: defaultQueue }]);
    // The novice has been idle longest; the level still wins.
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '1 day' WHERE agent_id = $1`, [novice.id]);
    const first = await waiting({ queueId: spanish });
    await t.sb.queues.routeConversation(first, 1);
    await eventually(async () => (await pendingOffers(expert.id)).length === 1);
    // The expert is full (capacity 1 here): the next goes to the other skilled member, never to the rest.
    await t.pool.query(`UPDATE agents SET capacity_sms = 1 WHERE id = $1`, [expert.id]);
    const second = await waiting({ queueId: spanish });
    await t.sb.queues.routeConversation(second, 1);
    await eventually(async () => (await pendingOffers(novice.id)).includes(second));
    const third = await waiting({ queueId: spanish });
    await t.sb.queues.routeConversation(third, 1);
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing"] });
    expect(await pendingOffers(unskilled.id)).toEqual([]);
    expect(await pendingOffers(outsider.id)).toEqual([]);
    expect(await pendingOffers(novice.id)).toEqual([second, third]);
  });

  it("overflows at once when nobody of the queue is signed in, keeping the wait", async () => {
    const backup = (await createQueue(t.pool, { name: "Backup" })).id;
    const night = (await createQueue(t.pool, { name: "Night line" })).id;
    await t.pool.query(`UPDATE queues SET overflow_queue_id = $2, overflow_when_unstaffed = true WHERE id = $1`, [night, backup]);
    await t.pool.query(`INSERT INTO phone_numbers (number, sms_queue_id) VALUES ('+14155550177', $1)`, [night]);
    const nightAgent = await createAgent(t.pool); // offline
    const backupAgent = await createAgent(t.pool, { presence: "available" });
    await setMemberships(t.pool, nightAgent.id, [{ queueId: night }]);
    await setMemberships(t.pool, backupAgent.id, [{ queueId: backup }]);
    const res = await t.sendSms({ From: nextPhone(), To: "+14155550177", Body: "anyone awake?" });
    const conversation = await conversationOf(res.messageSid);
    await eventually(async () => (await pendingOffers(backupAgent.id)).includes(conversation));
    const c = await row(conversation);
    expect(c.queue_id).toBe(backup);
    const first = await t.pool.query(`SELECT created_at FROM messages WHERE external_id = $1`, [res.messageSid]);
    expect(c.waiting_since.getTime()).toBeLessThanOrEqual(first.rows[0].created_at.getTime() + 1000);
    const event = await t.pool.query(`SELECT metadata FROM messages WHERE conversation_id = $1 AND metadata->>'event' = 'queue_moved'`, [conversation]);
    expect(event.rows.map((r) => r.metadata)).toEqual([{ event: "queue_moved", fromQueueId: night, toQueueId: backup, reason: "nobody_signed_in" }]);
  });

  it("overflows after the queue's overflow time when its members cannot take it", async () => {
    const backup = (await createQueue(t.pool)).id;
    const busy = (await createQueue(t.pool)).id;
    await t.pool.query(`UPDATE queues SET overflow_queue_id = $2, overflow_after_seconds = 1 WHERE id = $1`, [busy, backup]);
    const away = await createAgent(t.pool, { presence: "away" }); // signed in, so the queue is staffed
    const helper = await createAgent(t.pool, { presence: "available" });
    await setMemberships(t.pool, away.id, [{ queueId: busy }]);
    await setMemberships(t.pool, helper.id, [{ queueId: backup }]);
    const conversation = await waiting({ queueId: busy });
    const before = await row(conversation);
    await t.sb.queues.routeConversation(conversation, 1);
    // The routing job at the overflow time moves it on (not before); it keeps its place by waiting time.
    await eventually(async () => (await pendingOffers(helper.id)).includes(conversation), { timeoutMs: 10_000 });
    const after = await row(conversation);
    expect(after.queue_id).toBe(backup);
    expect(after.waiting_since).toEqual(before.waiting_since);
    expect(after.queue_entered_at.getTime()).toBeGreaterThan(before.queue_entered_at.getTime());
    const moves = await t.pool.query<{ reason: string; created_at: Date }>(
      `SELECT metadata->>'reason' AS reason, created_at FROM messages WHERE conversation_id = $1 AND metadata->>'event' = 'queue_moved'`,
      [conversation],
    );
    expect(moves.rows.map((m) => m.reason)).toEqual(["overflow_time"]);
    expect(moves.rows[0]!.created_at.getTime() - before.queue_entered_at.getTime()).toBeGreaterThanOrEqual(1000);
  });
});

describe("moving a conversation to another queue", () => {
  it("lets a supervisor move waiting work, which keeps its waiting time and takes the new queue's target", async () => {
    const billing = (await createQueue(t.pool, { name: "Billing desk" })).id;
    await t.pool.query(`INSERT INTO service_targets (queue_id, tier, channel, seconds) VALUES ($1, 'standard', 'sms', 42)`, [billing]);
    const supervisor = await createAgent(t.pool, { role: "supervisor" });
    const agent = await createAgent(t.pool);
    await setMemberships(t.pool, supervisor.id, []);
    await setMemberships(t.pool, agent.id, [{ queueId: billing }]);
    const conversation = await waiting({ queueId: defaultQueue, waitedSeconds: 30 });
    const before = await row(conversation);
    // An agent may not move work that is not theirs.
    const refused = await t.api<{ error: { code: string } }>(await t.login(agent.email), "POST", `/api/conversations/${conversation}/queue`, { queueId: billing });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("NOT_ASSIGNED");
    const cookie = await t.login(supervisor.email);
    const moved = await t.api(cookie, "POST", `/api/conversations/${conversation}/queue`, { queueId: billing });
    expect(moved.status).toBe(200);
    const after = await row(conversation);
    expect(after.queue_id).toBe(billing);
    expect(after.waiting_since).toEqual(before.waiting_since);
    expect(after.target_seconds).toBe(42);
    expect(after.due_at.getTime()).toBe(before.waiting_since.getTime() + 42_000);
    const audit = await t.pool.query(`SELECT actor_id, data FROM audit_events WHERE action = 'conversation_moved' AND entity_id = $1`, [conversation]);
    expect(audit.rows).toEqual([{ actor_id: supervisor.id, data: { fromQueueId: defaultQueue, toQueueId: billing, status: "queued" } }]);
    // Moving it where it is, or to no queue at all, is a clear error.
    expect((await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${conversation}/queue`, { queueId: billing })).body.error.code).toBe("VALIDATION");
    expect((await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${conversation}/queue`, { queueId: "not-a-uuid" })).status).toBe(400);
    const nowhere = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${conversation}/queue`, { queueId: "00000000-0000-4000-8000-000000000000" });
    expect(nowhere.body.error.code).toBe("NOT_FOUND");
  });

  it("lets the assigned agent hand their conversation to another queue: their slot frees and its members are offered it", async () => {
    const sales = (await createQueue(t.pool, { name: "Sales desk" })).id;
    const holder = await createAgent(t.pool, { presence: "available", capacity: { sms: 1 } });
    const seller = await createAgent(t.pool, { presence: "available" });
    await setMemberships(t.pool, holder.id, [{ queueId: defaultQueue }]);
    await setMemberships(t.pool, seller.id, [{ queueId: sales }]);
    const cookie = await t.login(holder.email);
    const socket = await t.connectAgent(cookie);
    const offered = nextEvent<OfferView>(socket, "offer:new");
    const res = await t.sendSms({ From: nextPhone(), Body: "I want to buy" });
    const offer = await offered;
    await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
    expect((await t.pool.query(`SELECT assigned FROM agent_loads WHERE agent_id = $1 AND channel = 'sms'`, [holder.id])).rows[0].assigned).toBe(1);
    const moved = await t.api<{ conversation: { status: string } }>(cookie, "POST", `/api/conversations/${offer.conversation.id}/queue`, { queueId: sales });
    expect(moved.body.conversation.status).toBe("queued");
    await eventually(async () => (await pendingOffers(seller.id)).includes(offer.conversation.id));
    expect((await t.pool.query(`SELECT assigned FROM agent_loads WHERE agent_id = $1 AND channel = 'sms'`, [holder.id])).rows[0].assigned).toBe(0);
    expect(await conversationOf(res.messageSid)).toBe(offer.conversation.id);
  });
});
