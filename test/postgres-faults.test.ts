// PostgreSQL, the record, stops (a crash, a failover) and comes back. While it is gone a webhook must not
// be answered 2xx (Twilio would not deliver it again) and /readyz says what is down; once it is back, each
// message Twilio delivers again is stored once and offered once.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../server/db/client.ts";
import { runMigrations } from "../server/db/migrate.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { startTestPostgres, type TestPostgres } from "./support/postgres-server.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { deliverSmsUntilAccepted, newMessageSid } from "./support/twilio-retries.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let postgres: TestPostgres;
let t: TestApp;
beforeAll(async () => {
  postgres = await startTestPostgres();
  const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
  await runMigrations(pool);
  await pool.end();
  t = await startTestApp({ database: { url: postgres.url, drop: async () => {} }, start: { sweepEveryMs: 250 } });
  await createQueue(t.pool, { name: "Support" });
});
afterAll(async () => {
  await t?.close();
  await postgres?.destroy();
});

const count = async (sql: string, params: unknown[]) => (await t.pool.query<{ n: number }>(sql, params)).rows[0]!.n;

describe("PostgreSQL stopped and started again", () => {
  it("answers webhooks 5xx and /readyz 503 while it is down, then stores each retried message once", { timeout: 30_000 }, async () => {
    const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 5 } });
    const before = { MessageSid: newMessageSid(), From: "+12125558001", Body: "before the fault" };
    expect(await deliverSmsUntilAccepted(t, before)).toEqual([200]);

    // A transaction is running when the database goes (a routing match, a sweep): it fails, and that is all.
    const inFlight = withTransaction(t.pool, (tx) => tx.query("SELECT pg_sleep(10)")).then(() => null, (err: unknown) => err);
    await eventually(async () => (await count(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'`, [])) === 1);
    await postgres.stop();
    expect(await inFlight).toBeInstanceOf(Error);
    const sms = { MessageSid: newMessageSid(), From: "+12125558002", Body: "while the database is down" };
    // Twilio's first delivery and a retry both get a server error: nothing was stored, so it must try again.
    for (let i = 0; i < 2; i++) {
      const res = await t.sendSms(sms);
      expect(res.status).toBeGreaterThanOrEqual(500);
    }
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(readiness.status).toContain("postgres");
    expect(readiness.checks.postgres).toMatch(/^down/);
    expect(readiness.checks.redis).toBe("ok");

    await postgres.start();
    // Twilio keeps delivering until it gets a 2xx; a late duplicate delivery arrives in parallel as well.
    await deliverSmsUntilAccepted(t, sms);
    const duplicates = await Promise.all([t.sendSms(sms), t.sendSms(sms), t.sendSms(sms)]);
    expect(duplicates.map((r) => r.status)).toEqual([200, 200, 200]);
    await eventually(async () => (await fetch(`${t.url}/readyz`)).status === 200);

    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [sms.MessageSid])).toBe(1);
    const { conversation_id: conversationId } = (await t.pool.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [sms.MessageSid])).rows[0];
    await eventually(async () => (await count(`SELECT count(*)::int AS n FROM offers WHERE conversation_id = $1`, [conversationId])) === 1);
    await waitForQueuesToDrain(t.sb.queues);
    expect(await count(`SELECT count(*)::int AS n FROM offers WHERE conversation_id = $1`, [conversationId])).toBe(1);
    expect((await t.pool.query(`SELECT agent_id FROM offers WHERE conversation_id = $1`, [conversationId])).rows[0].agent_id).toBe(agent.id);
    // The message from before the fault is still there, once.
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [before.MessageSid])).toBe(1);
  });
});
