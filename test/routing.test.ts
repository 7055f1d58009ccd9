// The routed queue: priority order, capacity under racing workers, last agent first, offer timeout.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OfferView } from "../shared/api.ts";
import { routeConversation } from "../server/domain/routing/match.ts";
import { startSwitchboard, type Switchboard } from "../server/switchboard.ts";
import { createLogger } from "../server/log.ts";
import { createAgent, createCustomer, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let secondWorker: Switchboard;
beforeAll(async () => {
  t = await startTestApp({ configure: (c) => void (c.offerTimeoutMs = 1500) });
  // A second worker process's worth of BullMQ workers on the same database and Redis: they race.
  secondWorker = await startSwitchboard({ config: t.config, log: createLogger("error"), serveHttp: false, sweepEveryMs: 60_000 });
  await createQueue(t.pool, { name: "Support" });
});
afterAll(async () => {
  await secondWorker?.close();
  await t?.close();
});
beforeEach(async () => {
  // Each test starts with nobody available and no open work.
  await t.pool.query(`UPDATE agents SET presence = 'offline'`);
  await t.pool.query(`UPDATE offers SET status = 'withdrawn' WHERE status = 'pending'`);
  await t.pool.query(`UPDATE conversations SET status = 'resolved', waiting_since = NULL WHERE status <> 'resolved'`);
});

let phoneSeq = 100;
const nextPhone = () => `+1212555${String(phoneSeq++).padStart(4, "0")}`;
const conversationOf = async (messageSid: string) =>
  (await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE external_id = $1`, [messageSid])).rows[0]!.conversation_id;
const pendingOffers = async (agentId: string) =>
  (await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM offers WHERE agent_id = $1 AND status = 'pending' ORDER BY created_at`, [agentId])).rows;

describe("routing", () => {
  it("offers waiting work in priority order (tier first) when an agent goes available", async () => {
    const agent = await createAgent(t.pool, { capacity: { sms: 1 } });
    const standard = await createCustomer(t.pool, { phone: nextPhone(), tier: "standard" });
    const platinum = await createCustomer(t.pool, { phone: nextPhone(), tier: "platinum" });
    const gold = await createCustomer(t.pool, { phone: nextPhone(), tier: "gold" });
    const phoneOf = async (id: string) => (await t.pool.query(`SELECT value FROM identities WHERE customer_id = $1`, [id])).rows[0].value as string;
    // Arrival order is the reverse of priority order.
    const sids: Record<string, string> = {};
    for (const [name, c] of [["standard", standard], ["gold", gold], ["platinum", platinum]] as const) {
      sids[name] = (await t.sendSms({ From: await phoneOf(c.id), Body: `from ${name}` })).messageSid;
    }
    const cookie = await t.login(agent.email);
    const socket = await t.connectAgent(cookie);
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      const offer = i === 0
        ? await Promise.all([nextEvent<OfferView>(socket, "offer:new"), t.api(cookie, "PUT", "/api/me/presence", { presence: "available" })]).then(([o]) => o)
        : await nextEvent<OfferView>(socket, "offer:new");
      served.push(offer.conversation.id);
      const accepted = await t.api<{ conversation: { status: string } }>(cookie, "POST", `/api/offers/${offer.id}/accept`);
      expect(accepted.body.conversation.status).toBe("assigned");
      // Capacity 1: the next offer comes only once this conversation is resolved.
      await waitForQueuesToDrain(t.sb.queues);
      expect((await pendingOffers(agent.id)).length).toBe(0);
      if (i < 2) await t.api(cookie, "POST", `/api/conversations/${offer.conversation.id}/resolve`);
    }
    expect(served).toEqual([await conversationOf(sids.platinum!), await conversationOf(sids.gold!), await conversationOf(sids.standard!)]);
  });

  it("never puts an agent over capacity nor offers a conversation twice, with two workers racing", async () => {
    const agents = await Promise.all([1, 2, 3].map(() => createAgent(t.pool, { presence: "available", capacity: { sms: 2 } })));
    const results = await Promise.all(Array.from({ length: 20 }, () => t.sendSms({ From: nextPhone(), Body: "race" })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const conversationIds = await Promise.all(results.map((r) => conversationOf(r.messageSid)));
    // Besides both workers' routing jobs, hammer the match directly from many concurrent callers.
    const deps = { pool: t.pool, events: { publish: async () => {} }, queues: t.sb.queues, offerTimeoutMs: 60_000 };
    await Promise.all(conversationIds.flatMap((id) => [routeConversation(deps, id), routeConversation(deps, id)]));
    await eventually(async () => (await Promise.all(agents.map((a) => pendingOffers(a.id)))).every((o) => o.length === 2));
    await waitForQueuesToDrain(t.sb.queues);
    for (const a of agents) expect((await pendingOffers(a.id)).length).toBe(2);
    const perConversation = await t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM offers WHERE status = 'pending' AND conversation_id = ANY($1) GROUP BY conversation_id`,
      [conversationIds],
    );
    expect(perConversation.rows.length).toBe(6);
    expect(perConversation.rows.every((r) => r.n === "1")).toBe(true);
    const waiting = await t.pool.query(`SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status = 'queued'`, [conversationIds]);
    expect(waiting.rows[0].n).toBe(14);
  });

  it("offers a returning customer to the agent who served them last, before a less busy agent", async () => {
    const phone = nextPhone();
    const previous = await createAgent(t.pool, { name: "Previous", capacity: { sms: 5 } });
    const idle = await createAgent(t.pool, { name: "Idle", capacity: { sms: 5 } });
    // The previous agent already has other work; the idle one has none and has waited longest.
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() WHERE agent_id = $1`, [previous.id]);
    const first = await t.sendSms({ From: phone, Body: "yesterday" });
    const firstConversation = await conversationOf(first.messageSid);
    await t.pool.query(`UPDATE conversations SET status = 'resolved', assigned_agent_id = $2 WHERE id = $1`, [firstConversation, previous.id]);
    const busy = await t.sendSms({ From: nextPhone(), Body: "someone else" });
    await t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2 WHERE id = $1`, [await conversationOf(busy.messageSid), previous.id]);
    await t.pool.query(`UPDATE agents SET presence = 'available' WHERE id = ANY($1)`, [[previous.id, idle.id]]);

    const again = await t.sendSms({ From: phone, Body: "today" });
    const conversation = await conversationOf(again.messageSid);
    expect(conversation).not.toBe(firstConversation);
    await eventually(async () => (await pendingOffers(previous.id)).some((o) => o.conversation_id === conversation));
    expect(await pendingOffers(idle.id)).toEqual([]);
  });

  it("prefers the least loaded agent, then the longest idle", async () => {
    const loaded = await createAgent(t.pool, { capacity: { sms: 5 } });
    const idleLong = await createAgent(t.pool, { capacity: { sms: 5 } });
    const idleShort = await createAgent(t.pool, { capacity: { sms: 5 } });
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '1 hour' WHERE agent_id = $1`, [idleLong.id]);
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '1 minute' WHERE agent_id = $1`, [idleShort.id]);
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '2 hours' WHERE agent_id = $1`, [loaded.id]);
    const other = await t.sendSms({ From: nextPhone(), Body: "existing work" });
    await t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2 WHERE id = $1`, [await conversationOf(other.messageSid), loaded.id]);
    await t.pool.query(`UPDATE agents SET presence = 'available' WHERE id = ANY($1)`, [[loaded.id, idleLong.id, idleShort.id]]);
    const res = await t.sendSms({ From: nextPhone(), Body: "who gets me?" });
    const conversation = await conversationOf(res.messageSid);
    await eventually(async () => (await pendingOffers(idleLong.id)).some((o) => o.conversation_id === conversation));
  });

  it("moves an offer to the next agent when it times out or is rejected", async () => {
    const first = await createAgent(t.pool, { presence: "available" });
    const second = await createAgent(t.pool, { presence: "available" });
    const third = await createAgent(t.pool, { presence: "available" });
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '3 hours' WHERE agent_id = $1`, [first.id]);
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '2 hours' WHERE agent_id = $1`, [second.id]);
    await t.pool.query(`UPDATE agent_loads SET last_offered_at = now() - interval '1 hours' WHERE agent_id = $1`, [third.id]);
    const secondSocket = await t.connectAgent(await t.login(second.email));
    const secondOffer = nextEvent<OfferView>(secondSocket, "offer:new", () => true, 8000);
    const res = await t.sendSms({ From: nextPhone(), Body: "anyone there?" });
    const conversation = await conversationOf(res.messageSid);
    await eventually(async () => (await pendingOffers(first.id)).length === 1);
    // Nobody answers: after the timeout (1.5 s here) the offer lapses and goes to the next agent.
    const offer = await secondOffer;
    expect(offer.conversation.id).toBe(conversation);
    const lapsed = await t.pool.query(`SELECT status FROM offers WHERE agent_id = $1 AND conversation_id = $2`, [first.id, conversation]);
    expect(lapsed.rows).toEqual([{ status: "timed_out" }]);
    // The second agent rejects: the third gets it, and the first (who let it lapse) is not asked again yet.
    const cookie = await t.login(second.email);
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/reject`)).status).toBe(204);
    await eventually(async () => (await pendingOffers(third.id)).some((o) => o.conversation_id === conversation));
    expect(await pendingOffers(first.id)).toEqual([]);
    // A late answer to a closed offer is a clear conflict, not a second assignment.
    const late = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/offers/${offer.id}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CONFLICT");
  });

  it("withdraws an agent's pending offers when they go away, and offers the work to someone else", async () => {
    const leaving = await createAgent(t.pool, { presence: "available" });
    const res = await t.sendSms({ From: nextPhone(), Body: "hello?" });
    const conversation = await conversationOf(res.messageSid);
    await eventually(async () => (await pendingOffers(leaving.id)).length === 1);
    const staying = await createAgent(t.pool, { presence: "available" });
    const cookie = await t.login(leaving.email);
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "away" });
    await eventually(async () => (await pendingOffers(staying.id)).some((o) => o.conversation_id === conversation));
    const withdrawn = await t.pool.query(`SELECT status FROM offers WHERE agent_id = $1`, [leaving.id]);
    expect(withdrawn.rows).toEqual([{ status: "withdrawn" }]);
  });
});

describe("when Redis loses the routing jobs", () => {
  it("the sweep re-creates them from Postgres and expires lapsed offers", async () => {
    const { sweepRouting } = await import("../server/domain/routing/sweep.ts");
    const res = await t.sendSms({ From: nextPhone(), Body: "lost job" });
    const conversation = await conversationOf(res.messageSid);
    // Let the routing attempt for it finish (nobody is available), then Redis forgets everything
    // (a restart without persistence): no job is left that would route this conversation.
    await eventually(async () => {
      const c = await t.sb.queues.routing.getJobCounts("active", "waiting", "prioritized", "delayed");
      return Object.values(c).every((n) => n === 0);
    });
    await t.sb.queues.routing.obliterate({ force: true });
    const agent = await createAgent(t.pool);
    await t.pool.query(`UPDATE agents SET presence = 'available' WHERE id = $1`, [agent.id]);
    await waitForQueuesToDrain(t.sb.queues);
    expect(await pendingOffers(agent.id)).toEqual([]);
    const deps = { pool: t.pool, events: { publish: async () => {} }, queues: t.sb.queues, offerTimeoutMs: 60_000, wrapUpMs: 30_000 };
    const swept = await sweepRouting(deps);
    expect(swept.requeued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await pendingOffers(agent.id)).some((o) => o.conversation_id === conversation));
    // An offer whose timeout job was lost is expired by the sweep and the work offered again.
    await t.pool.query(`UPDATE offers SET expires_at = now() - interval '1 minute' WHERE agent_id = $1 AND status = 'pending'`, [agent.id]);
    await t.sb.queues.offerTimeouts.obliterate({ force: true });
    expect((await sweepRouting(deps)).expiredOffers).toBe(1);
    const statuses = await t.pool.query(`SELECT status FROM offers WHERE agent_id = $1 AND conversation_id = $2 ORDER BY created_at`, [agent.id, conversation]);
    expect(statuses.rows[0].status).toBe("timed_out");
  });
});
