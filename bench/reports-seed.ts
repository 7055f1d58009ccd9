// The reports benchmark's history, set-based (generate_series, INSERT … SELECT): conversations spread
// over one month with the waits, handling periods, first responses and agent state periods the
// triggers would have written for them. Triggers are off while seeding (session_replication_role):
// the rows are written as the triggers write them, a million times faster than driving the app.
import type pg from "pg";

export interface ReportSeedOptions { conversations: number; queues: number; agents: number; customers: number; month: string }

/** Seconds since `from` spread over the month; every share below is fixed by the row number's hash. */
export async function seedReportHistory(pool: pg.Pool, o: ReportSeedOptions): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SELECT setseed(0.42)`);
    await client.query(`INSERT INTO queues (name, is_default) SELECT 'Queue ' || q, q = 1 FROM generate_series(1, $1) q`, [o.queues]);
    await client.query(`INSERT INTO agents (email, name, password_hash, presence) SELECT 'bench' || a || '@example.test', 'Agent ' || a, 'x', 'offline' FROM generate_series(1, $1) a`, [o.agents]);
    await client.query(`INSERT INTO customers (display_name) SELECT 'Customer ' || c FROM generate_series(1, $1) c`, [o.customers]);
    // One row per conversation with its draw of queue, agent, channel, tier, times and outcome.
    await client.query(`
      CREATE UNLOGGED TABLE bench_contacts AS
      WITH q AS (SELECT array_agg(id ORDER BY name) AS ids FROM queues),
           a AS (SELECT array_agg(id ORDER BY email) AS ids FROM agents),
           c AS (SELECT array_agg(id) AS ids FROM customers)
      SELECT gen_random_uuid() AS id, i,
             c.ids[1 + (i % $2)] AS customer_id,
             q.ids[1 + floor(random() * $3)::int] AS queue_id,
             a.ids[1 + floor(random() * $4)::int] AS agent_id,
             a.ids[1 + floor(random() * $4)::int] AS agent2_id,
             (ARRAY['sms', 'chat', 'email', 'voice'])[1 + floor(random() * 4)::int]::"Channel" AS channel,
             (ARRAY['standard', 'standard', 'standard', 'gold', 'platinum'])[1 + floor(random() * 5)::int]::"CustomerTier" AS tier,
             ($5::date)::timestamptz + random() * (($5::date + interval '1 month') - ($5::date)::timestamptz) AS entered,
             random() * 300 AS wait_s, random() AS r, 60 + random() * 900 AS handle_s, random() * 600 AS reply_s, random() * 60 AS wrap_s
        FROM generate_series(1, $1) i, q, a, c`, [o.conversations, o.customers, o.queues, o.agents, `${o.month}-01`]);
    // r: < 0.80 answered (0.77–0.80 transferred to a second agent), < 0.92 abandoned, < 0.97 moved (then answered), else closed.
    await client.query(`
      INSERT INTO conversations (id, customer_id, channel, status, customer_address, queue_id, created_at, updated_at, last_message_at)
      SELECT id, customer_id, channel, 'resolved', '+15550000000', queue_id, entered, entered, entered FROM bench_contacts`);
    await client.query(`
      INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at, ended_at, outcome, agent_id, callback, reopened)
      SELECT id, queue_id, channel, tier, 60, entered, entered, entered + make_interval(secs => wait_s),
             CASE WHEN r < 0.80 THEN 'answered' WHEN r < 0.92 THEN 'abandoned' WHEN r < 0.97 THEN 'moved' ELSE 'closed' END,
             CASE WHEN r < 0.80 THEN agent_id END, i % 50 = 0, i % 40 = 0
        FROM bench_contacts
      UNION ALL
      SELECT id, queue_id, channel, tier, 60, entered, entered + make_interval(secs => wait_s), entered + make_interval(secs => wait_s * 1.5),
             'answered', agent_id, false, false
        FROM bench_contacts WHERE r >= 0.92 AND r < 0.97`);
    await client.query(`
      INSERT INTO handling_periods (conversation_id, agent_id, queue_id, channel, tier, started_at, ended_at, end_reason, talk_ended_at, wrap_up_ms)
      SELECT id, agent_id, queue_id, channel, tier, s, s + make_interval(secs => handle_s),
             CASE WHEN r >= 0.77 AND r < 0.80 THEN 'transferred' ELSE 'resolved' END,
             CASE WHEN channel = 'voice' THEN s + make_interval(secs => handle_s - wrap_s) END,
             CASE WHEN channel = 'voice' THEN (wrap_s * 1000)::int END
        FROM (SELECT *, entered + make_interval(secs => CASE WHEN r >= 0.92 THEN wait_s * 1.5 ELSE wait_s END) AS s FROM bench_contacts
               WHERE r < 0.80 OR (r >= 0.92 AND r < 0.97)) x
      UNION ALL
      SELECT id, agent2_id, queue_id, channel, tier, e, e + make_interval(secs => handle_s), 'resolved',
             CASE WHEN channel = 'voice' THEN e + make_interval(secs => handle_s - wrap_s) END,
             CASE WHEN channel = 'voice' THEN (wrap_s * 1000)::int END
        FROM (SELECT *, entered + make_interval(secs => wait_s + handle_s) AS e FROM bench_contacts WHERE r >= 0.77 AND r < 0.80) y`);
    await client.query(`
      INSERT INTO first_responses (conversation_id, channel, first_inbound_at, first_reply_at, queue_id, tier, agent_id)
      SELECT id, channel, entered, CASE WHEN r < 0.80 THEN entered + make_interval(secs => wait_s + reply_s) END,
             queue_id, tier, CASE WHEN r < 0.80 THEN agent_id END
        FROM bench_contacts WHERE channel <> 'voice'`);
    // Each agent's day: eight hours from 13:00 UTC, available in 50-minute spells with 10 minutes away between.
    await client.query(`
      INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at)
      SELECT a.id, st.state, d + make_interval(hours => 13 + h) + st.off, d + make_interval(hours => 13 + h) + st.off + st.len
        FROM agents a,
             generate_series(($1::date)::timestamptz, ($1::date + interval '1 month' - interval '1 day')::timestamptz, interval '1 day') d,
             generate_series(0, 7) h,
             (VALUES ('available'::"Presence", interval '0 minutes', interval '50 minutes'), ('away'::"Presence", interval '50 minutes', interval '10 minutes')) st(state, off, len)`,
      [`${o.month}-01`]);
    await client.query(`DROP TABLE bench_contacts`);
    await client.query(`SET session_replication_role = DEFAULT`);
  } finally {
    client.release();
  }
  for (const table of ["conversations", "queue_waits", "handling_periods", "first_responses", "agent_state_periods"]) await pool.query(`VACUUM ANALYZE ${table}`);
}
