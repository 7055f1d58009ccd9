// The match under contention: three workers' routing jobs, plus direct calls of both match paths from many
// concurrent callers, over ten queues with overlapping members. No agent goes over capacity on any channel,
// no conversation has two pending offers, the load rows equal a recount, and nothing routable is left waiting.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offerWorkToAgent, routeConversation } from "../server/domain/routing/match.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard, type Switchboard } from "../server/switchboard.ts";
import { createAgent, createCustomer, createQueue, setMemberships } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
const extraWorkers: Switchboard[] = [];
beforeAll(async () => {
  t = await startTestApp({ configure: (c) => void (c.offerTimeoutMs = 120_000) });
  for (let i = 0; i < 2; i++) {
    extraWorkers.push(await startSwitchboard({ config: t.config, log: createLogger("error"), serveHttp: false, sweepEveryMs: 600_000 }));
  }
});
afterAll(async () => {
  for (const w of extraWorkers) await w.close();
  await t?.close();
});

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("the match with three workers over ten queues", () => {
  it("never exceeds capacity nor doubles an offer, keeps the load rows exact and leaves nothing routable waiting", async () => {
    const rand = random(42);
    const queues = [];
    for (let i = 0; i < 10; i++) queues.push((await createQueue(t.pool, { name: `Line ${i}` })).id);
    const agents = [];
    for (let i = 0; i < 20; i++) {
      const a = await createAgent(t.pool, { capacity: { sms: 1 + (i % 3), chat: 1 + (i % 2) } });
      const mine = queues.filter(() => rand() < 0.3);
      await setMemberships(t.pool, a.id, (mine.length ? mine : [queues[i % 10]!]).map((queueId) => ({ queueId, level: 1 + Math.floor(rand() * 10) })));
      agents.push(a.id);
    }
    const conversations: string[] = [];
    for (let i = 0; i < 150; i++) {
      const phone = `+1917555${String(i).padStart(4, "0")}`;
      const customer = await createCustomer(t.pool, { phone, tier: (["standard", "gold", "platinum"] as const)[i % 3] });
      const { rows } = await t.pool.query<{ id: string }>(
        `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, waiting_since)
         VALUES ($1, $2, 'queued', $3, $4, now() - make_interval(secs => $5)) RETURNING id`,
        [customer.id, i % 2 ? "chat" : "sms", queues[Math.floor(rand() * 10)], phone, Math.floor(rand() * 100)],
      );
      conversations.push(rows[0]!.id);
    }

    // Everyone becomes available at once while every path races: jobs on three workers and direct calls.
    const deps = { pool: t.pool, events: { publish: async () => {} }, queues: t.sb.queues, offerTimeoutMs: 120_000 };
    await t.pool.query(`UPDATE agents SET presence = 'available' WHERE id = ANY($1)`, [agents]);
    await Promise.all([
      ...conversations.map((id) => t.sb.queues.routeConversation(id, 1)),
      ...agents.map((id) => t.sb.queues.agentMayTakeWork(id)),
      ...conversations.flatMap((id) => [routeConversation(deps, id), routeConversation(deps, id)]),
      ...agents.flatMap((id) => [offerWorkToAgent(deps, id), offerWorkToAgent(deps, id)]),
    ]);
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing"] });

    const overCapacity = await t.pool.query(
      `SELECT o.agent_id, o.channel, count(*) AS n FROM offers o JOIN agents a ON a.id = o.agent_id
        WHERE o.status = 'pending' GROUP BY o.agent_id, o.channel, a.capacity_sms, a.capacity_chat
       HAVING count(*) > CASE o.channel WHEN 'sms' THEN a.capacity_sms ELSE a.capacity_chat END`,
    );
    expect(overCapacity.rows).toEqual([]);
    const doubled = await t.pool.query(`SELECT conversation_id FROM offers WHERE status = 'pending' GROUP BY conversation_id HAVING count(*) > 1`);
    expect(doubled.rows).toEqual([]);
    const drift = await t.pool.query(
      `SELECT l.agent_id, l.channel, l.offered, l.assigned FROM agent_loads l
        WHERE l.offered <> (SELECT count(*) FROM offers o WHERE o.agent_id = l.agent_id AND o.channel = l.channel AND o.status = 'pending')
           OR l.assigned <> (SELECT count(*) FROM conversations c WHERE c.assigned_agent_id = l.agent_id AND c.channel = l.channel
                              AND c.status IN ('assigned', 'pending_customer'))`,
    );
    expect(drift.rows).toEqual([]);
    // Liveness: whatever still waits has no member of its queue with room on its channel.
    const stranded = await t.pool.query(
      `SELECT cv.id FROM conversations cv
         JOIN queue_members m ON m.queue_id = cv.queue_id
         JOIN agents a ON a.id = m.agent_id AND a.presence = 'available'
         JOIN agent_loads l ON l.agent_id = a.id AND l.channel = cv.channel
        WHERE cv.status = 'queued' AND cv.id = ANY($1)
          AND l.offered + l.assigned < CASE cv.channel WHEN 'sms' THEN a.capacity_sms ELSE a.capacity_chat END`,
      [conversations],
    );
    expect(stranded.rows).toEqual([]);
    const offered = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM offers WHERE status = 'pending'`);
    expect(offered.rows[0]!.n).toBeGreaterThan(20);
  });
});
