// The reports' 15-minute sums (server/domain/reports/report-facts.ts): every report built from the sums
// plus the unsealed events equals, to the last bit, the same report from the stored events alone (the
// reference), by every grouping, by day and by hour, in New York (its spring-forward day too), in a
// 45-minute zone, over a period whose end is not sealed yet; and still after the metric settings change
// and after writes land in intervals already summed. Then the workers keep the sums on their own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report, ReportGroupBy, ReportInterval, ReportQuery } from "../shared/reports.ts";
import { seedReportHistory } from "../bench/reports-seed.ts";
import { createDb, type Db } from "../server/db/client.ts";
import type { RateLimiter } from "../server/domain/auth/sessions.ts";
import type { Actor } from "../server/domain/auth/permissions.ts";
import { updateMetricSettings } from "../server/domain/metrics/metric-settings.ts";
import { buildReport } from "../server/domain/reports/build-report.ts";
import { buildReportFacts } from "../server/domain/reports/report-facts.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { eventually, startTestApp } from "./support/test-app.ts";

const open = async () => ({ allowed: true, retryAfterSeconds: 0 });
const UNLIMITED: RateLimiter = { hit: open, peek: open, reset: async () => {} };
const NY = "America/New_York";
const GROUPINGS: ReportGroupBy[] = ["queue", "channel", "agent", "tier"];

let database: TestDatabase;
let db: Db;
let sup: Actor, admin: Actor;
let today: { from: string; to: string };

const localDate = (at: Date, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);

const report = (q: Omit<ReportQuery, "groupBy" | "interval"> & { groupBy: ReportGroupBy; interval: ReportInterval }, useFacts: boolean): Promise<Report> =>
  buildReport({ ...db, limiter: UNLIMITED }, sup, q, { useFacts });

/** The periods compared: a month by day, the spring-forward day and two days by hour, and today (unsealed at its end). */
function periods(): { from: string; to: string; timeZone: string; interval: ReportInterval }[] {
  return [
    { from: "2026-03-01", to: "2026-03-31", timeZone: NY, interval: "day" },
    { from: "2026-03-08", to: "2026-03-08", timeZone: NY, interval: "hour" },
    { from: "2026-03-09", to: "2026-03-10", timeZone: "Asia/Kathmandu", interval: "hour" },
    { ...today, timeZone: NY, interval: "hour" },
    { ...today, timeZone: NY, interval: "day" },
  ];
}

async function expectFactsToMatchEvents(label: string) {
  for (const p of periods()) {
    for (const groupBy of GROUPINGS) {
      const q = { ...p, groupBy };
      const [viaFacts, viaEvents] = [await report(q, true), await report(q, false)];
      expect(viaFacts, `${label}: ${JSON.stringify(q)}`).toEqual(viaEvents);
    }
  }
}

const count = async (sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0]!.n);
const buildAll = async () => expect((await buildReportFacts(db, { budgetMs: 120_000 })).caughtUp).toBe(true);

/** The last two hours of traffic, the newest minutes not sealed yet; every period closed (no now() in the figures). */
async function seedRecentTraffic() {
  const client = await db.pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`
      CREATE TEMP TABLE recent AS
      SELECT gen_random_uuid() AS id, i, (SELECT id FROM customers ORDER BY id LIMIT 1) AS customer_id,
             (SELECT array_agg(id ORDER BY name) FROM queues)[1 + i % 2] AS queue_id, (SELECT array_agg(id ORDER BY email) FROM agents)[1 + i % 3] AS agent_id,
             (ARRAY['sms', 'chat', 'voice'])[1 + i % 3]::"Channel" AS channel, date_trunc('milliseconds', now() - make_interval(secs => i * 97)) AS entered
        FROM generate_series(1, 70) i`);
    await client.query(`INSERT INTO conversations (id, customer_id, channel, status, customer_address, queue_id, created_at, updated_at, last_message_at)
      SELECT id, customer_id, channel, 'resolved', '+15550000001', queue_id, entered, entered, entered FROM recent`);
    await client.query(`INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at, ended_at, outcome, agent_id)
      SELECT id, queue_id, channel, 'standard', 30, entered, entered, entered + interval '20 seconds', CASE WHEN i % 5 = 0 THEN 'abandoned' ELSE 'answered' END,
             CASE WHEN i % 5 <> 0 THEN agent_id END FROM recent`);
    await client.query(`INSERT INTO handling_periods (conversation_id, agent_id, queue_id, channel, tier, started_at, ended_at, end_reason)
      SELECT id, agent_id, queue_id, channel, 'standard', entered + interval '20 seconds', entered + interval '50 seconds', 'resolved' FROM recent WHERE i % 5 <> 0`);
    await client.query(`INSERT INTO first_responses (conversation_id, channel, first_inbound_at, first_reply_at, queue_id, tier, agent_id)
      SELECT id, channel, entered, entered + interval '40 seconds', queue_id, 'standard', agent_id FROM recent WHERE i % 5 <> 0 AND channel <> 'voice'`);
    await client.query(`INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at)
      SELECT DISTINCT agent_id, 'available'::"Presence", date_trunc('milliseconds', now() - interval '3 hours'), date_trunc('milliseconds', now() - interval '10 seconds') FROM recent`);
    await client.query(`SET session_replication_role = DEFAULT`);
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { max: 6 });
  await seedReportHistory(db.pool, { conversations: 4000, queues: 3, agents: 6, customers: 200, month: "2026-03" });
  await seedRecentTraffic();
  const ids = (await db.pool.query<{ id: string }>(`SELECT id FROM agents ORDER BY email LIMIT 1`)).rows[0]!.id;
  sup = { id: ids, role: "supervisor", name: "Sue" };
  admin = { id: ids, role: "admin", name: "Ada" };
  const now = new Date();
  today = { from: localDate(new Date(now.getTime() - 3 * 3600_000), NY), to: localDate(now, NY) };
  await buildAll();
}, 180_000);
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe("reports from the 15-minute sums", () => {
  it("seal every interval older than five minutes, oldest first, and leave the rest to the events", async () => {
    const { sealed, horizon } = (await db.pool.query<{ sealed: Date; horizon: Date }>(
      `SELECT sealed_until AS sealed, report_interval(now() - report_facts_seal_delay()) AS horizon FROM report_fact_state`)).rows[0]!;
    expect(sealed.getTime()).toBeGreaterThanOrEqual(horizon.getTime() - 15 * 60_000);
    expect(sealed.getTime() % (15 * 60_000)).toBe(0);
    // Some of the recent traffic is past the sealed edge: today's report reads both.
    expect(await count(`SELECT count(*) AS n FROM queue_waits WHERE entered_at >= (SELECT sealed_until FROM report_fact_state)`)).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM report_wait_facts WHERE interval_start < '2026-04-01'`)).toBeGreaterThan(1000);
    expect(await count(`SELECT count(*) AS n FROM report_occupancy_facts`)).toBeGreaterThan(100);
    expect(await count(`SELECT count(*) AS n FROM report_fact_dirty`)).toBe(0);
    // A second run finds nothing to do.
    expect(await buildReportFacts(db)).toMatchObject({ ran: true, steps: 0, caughtUp: true });
  });

  it("equal the reports from the events, by every grouping, day and hour, in every period", async () => {
    await expectFactsToMatchEvents("sealed");
  }, 120_000);

  it("are what the report reads where sealed: the hours' sums in whole-hour zones, the quarters' elsewhere (a changed sum shows)", async () => {
    const q = (timeZone: string) => ({ from: "2026-03-10", to: "2026-03-10", timeZone, groupBy: "queue" as const, interval: "day" as const });
    const before = { ny: await report(q(NY), true), kathmandu: await report(q("Asia/Kathmandu"), true) };
    const bump = (minutes: number, by: number) => db.pool.query(`UPDATE report_wait_facts SET offered = offered + $2 WHERE (dimension, minutes, interval_start, key) =
      (SELECT dimension, minutes, interval_start, key FROM report_wait_facts WHERE dimension = 'queue' AND minutes = $1 AND interval_start = '2026-03-10 16:00Z' ORDER BY key LIMIT 1)`, [minutes, by]);
    await bump(60, 1000);
    await bump(15, 100);
    expect((await report(q(NY), true)).total.offered).toBe(before.ny.total.offered + 1000);
    expect((await report(q("Asia/Kathmandu"), true)).total.offered).toBe(before.kathmandu.total.offered + 100);
    expect((await report(q(NY), false)).total.offered).toBe(before.ny.total.offered);
    await bump(60, -1000);
    await bump(15, -100);
    expect(await report(q(NY), true)).toEqual(before.ny);
    expect(await report(q("Asia/Kathmandu"), true)).toEqual(before.kathmandu);
  });

  it("stay equal after a metric settings change: the waits read events until summed again", async () => {
    await updateMetricSettings(db, admin, { shortAbandonSeconds: 40, abandonsWithinTarget: "for", callbacks: "included" });
    expect(await count(`SELECT count(*) AS n FROM report_fact_dirty WHERE kind = 'waits' AND starts_at IS NULL`)).toBe(1);
    await expectFactsToMatchEvents("settings changed, not summed again");
    await buildAll();
    expect(await count(`SELECT count(*) AS n FROM report_fact_dirty`)).toBe(0);
    await expectFactsToMatchEvents("settings changed, summed again");
  }, 180_000);

  it("stay equal after writes land in sealed intervals (backdated rows, a late answer, a deletion), before and after the job", async () => {
    const conv = (await db.pool.query<{ id: string; queue_id: string }>(`SELECT id, queue_id FROM conversations WHERE created_at < '2026-03-10 15:00Z' ORDER BY created_at DESC LIMIT 1`)).rows[0]!;
    const agent = sup.id;
    // A wait and its handling, a reply and a state period, all on 10 March.
    await db.pool.query(`INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at, ended_at, outcome, agent_id)
      VALUES ($1, $2, 'sms', 'gold', 60, '2026-03-10 15:01Z', '2026-03-10 15:01Z', '2026-03-10 15:20Z', 'answered', $3)`, [conv.id, conv.queue_id, agent]);
    await db.pool.query(`INSERT INTO handling_periods (conversation_id, agent_id, queue_id, channel, tier, started_at, ended_at, end_reason)
      VALUES ($1, $2, $3, 'sms', 'gold', '2026-03-10 15:20Z', '2026-03-10 16:10Z', 'transferred')`, [conv.id, agent, conv.queue_id]);
    await db.pool.query(`INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at) VALUES ($1, 'wrap_up', '2026-03-10 16:10Z', '2026-03-10 16:40Z')`, [agent]);
    await db.pool.query(`UPDATE first_responses SET first_reply_at = first_reply_at + interval '2 hours' WHERE conversation_id = (
      SELECT conversation_id FROM first_responses WHERE first_reply_at BETWEEN '2026-03-12' AND '2026-03-13' ORDER BY conversation_id LIMIT 1)`);
    // A wait answered long after it joined moves its offered count to the answering agent.
    await db.pool.query(`UPDATE queue_waits SET agent_id = $1 WHERE id = (SELECT id FROM queue_waits WHERE outcome = 'abandoned' AND entered_at < '2026-03-20' ORDER BY id LIMIT 1)`, [agent]);
    await db.pool.query(`DELETE FROM handling_periods WHERE id = (SELECT id FROM handling_periods WHERE started_at BETWEEN '2026-03-15' AND '2026-03-16' ORDER BY id LIMIT 1)`);
    const marked = await db.pool.query<{ kind: string }>(`SELECT DISTINCT kind FROM report_fact_dirty ORDER BY kind`);
    expect(marked.rows.map((r) => r.kind)).toEqual(["handling", "occupancy", "responses", "waits"]);
    await expectFactsToMatchEvents("backdated writes, not summed again");
    await buildAll();
    expect(await count(`SELECT count(*) AS n FROM report_fact_dirty`)).toBe(0);
    await expectFactsToMatchEvents("backdated writes, summed again");
  }, 180_000);

  it("mark nothing for the write paths' own rows (stamped now)", async () => {
    const conv = (await db.pool.query<{ id: string }>(`SELECT id FROM conversations ORDER BY created_at DESC LIMIT 1`)).rows[0]!;
    await db.pool.query(`INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at) VALUES ($1, NULL, 'sms', 'standard', 60, now(), now())`, [conv.id]);
    await db.pool.query(`UPDATE queue_waits SET ended_at = now(), outcome = 'abandoned' WHERE conversation_id = $1 AND ended_at IS NULL`, [conv.id]);
    await db.pool.query(`INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at) VALUES ($1, 'away', now(), now())`, [sup.id]);
    expect(await count(`SELECT count(*) AS n FROM report_fact_dirty`)).toBe(0);
  });
});

describe("the workers", () => {
  it("seal intervals on their own and sum a backdated write again", async () => {
    const t = await startTestApp({ env: { REPORT_FACTS_EVERY_SECONDS: "5" } });
    try {
      await eventually(async () => (await t.pool.query(`SELECT 1 FROM report_fact_state WHERE sealed_until IS NOT NULL`)).rowCount, { timeoutMs: 20_000 });
      const agent = (await t.pool.query<{ id: string }>(`INSERT INTO agents (email, name, password_hash) VALUES ('facts@example.test', 'Facts', 'x') RETURNING id`)).rows[0]!.id;
      await t.pool.query(`INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at) VALUES ($1, 'available', '2026-03-10 15:00Z', '2026-03-10 15:30Z')`, [agent]);
      expect((await t.pool.query(`SELECT 1 FROM report_fact_dirty`)).rowCount).toBe(1);
      await eventually(async () => (await t.pool.query(`SELECT 1 FROM report_fact_dirty`)).rowCount === 0, { timeoutMs: 20_000 });
      const sums = await t.pool.query<{ minutes: number; idle_us: string }>(`SELECT minutes, idle_us FROM report_occupancy_facts WHERE agent_id = $1 ORDER BY minutes, interval_start`, [agent]);
      expect(sums.rows.map((r) => [r.minutes, Number(r.idle_us)])).toEqual([[15, 900e6], [15, 900e6], [60, 1800e6]]);
    } finally {
      await t.close();
    }
  }, 60_000);
});
