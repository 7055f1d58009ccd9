// The report's aggregates, in SQL over the stored events: waits (queue_waits), handling periods, first
// responses and agent state periods. Parameters: $1 the first local date, $2 the last, $3 the IANA zone.
// The period is [local $1 00:00, local $2 + 1 00:00) as instants; every event lands in the bucket of its
// instant: hour buckets are whole hours from local midnight (a daylight-saving day has 23 or 25), day
// buckets are local dates (whose length the zone decides). Shaped for a month of a million conversations
// (bench/reports.ts): one pass over each source's rows in the period, grouped on the raw columns.
import type pg from "pg";
import type { ReportGroupBy, ReportInterval } from "../../../shared/reports.ts";
import { waitCountColumns, type WaitCountRow } from "../metrics/wait-counts.ts";

/**
 * The buckets' edges, ascending, the period's end the last ($1 local 00:00 … $2 + 1 local 00:00): each
 * instant's bucket is width_bucket over them (a binary search, not a time zone conversion per row).
 */
function edges(interval: ReportInterval): string {
  const list = interval === "hour"
    ? `SELECT array_agg(h ORDER BY h) FROM generate_series(($1::date)::timestamp AT TIME ZONE $3, ($2::date + 1)::timestamp AT TIME ZONE $3, interval '1 hour') h`
    : `SELECT array_agg(d::timestamp AT TIME ZONE $3 ORDER BY d) FROM generate_series($1::date, $2::date + 1, interval '1 day') d`;
  return `edges AS (${list}), b AS (SELECT e, e[1] AS start_at, e[cardinality(e)] AS end_at, cardinality(e) - 1 AS n FROM edges x(e))`;
}

/** The bucket (0-based) of an instant, or null outside the period. */
const BUCKET = (at: string) => `CASE WHEN ${at} >= b.start_at AND ${at} < b.end_at THEN width_bucket(${at}, b.e) - 1 END`;

/**
 * One report statement on its own pooled client, with JIT off: the planner's estimates for these
 * aggregates pass jit_above_cost, and compiling them took longer than running them (twice as slow at
 * 300,000 conversations, bench/reports.ts).
 */
async function reportQuery<R extends pg.QueryResultRow>(pool: pg.Pool, sql: string, args: unknown[]): Promise<R[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SET LOCAL jit = off");
    const { rows } = await client.query<R>(sql, args);
    await client.query("COMMIT");
    return rows;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined); // the statement's own error is the one to report
    throw err;
  } finally {
    client.release();
  }
}

/** The buckets' bounds, in order. */
export async function reportBuckets(pool: pg.Pool, args: unknown[], interval: ReportInterval): Promise<{ start: Date; end: Date }[]> {
  const sql = `WITH ${edges(interval)} SELECT b.e[k] AS start, b.e[k + 1] AS end FROM b, generate_series(1, b.n) k ORDER BY k`;
  return (await pool.query<{ start: Date; end: Date }>(sql, args)).rows;
}

/** The group's column in each source table (its uuid or enum is grouped on, text only in the answer). */
const KEY_COLUMN: Record<ReportGroupBy, string> = { queue: "queue_id", channel: "channel", agent: "agent_id", tier: "tier" };

const IN_PERIOD = (at: string) => `(${at} >= b.start_at AND ${at} < b.end_at)`;

export interface KeyedRow { key: string | null; bucket: number }

export interface WaitRow extends WaitCountRow { key: string | null; joined_bucket: number | null; ended_bucket: number | null }

/**
 * Wait counts (shared with the live board): a wait is offered in the bucket it joined the queue, and
 * answered, abandoned or moved in the bucket it ended. One pass: grouped by both buckets, the offered
 * counts belong to the first and the outcomes to the second.
 */
export async function waitRows(pool: pg.Pool, args: unknown[], groupBy: ReportGroupBy, interval: ReportInterval): Promise<WaitRow[]> {
  const sql = `WITH ${edges(interval)}
    SELECT w.${KEY_COLUMN[groupBy]}::text AS key, w.joined_bucket, w.ended_bucket,
           ${waitCountColumns("w.joined_bucket IS NOT NULL", "w.ended_bucket IS NOT NULL")}
      FROM (SELECT q.*, ${BUCKET("q.entered_at")} AS joined_bucket, ${BUCKET("q.ended_at")} AS ended_bucket
              FROM b JOIN queue_waits q ON ${IN_PERIOD("q.entered_at")} OR ${IN_PERIOD("q.ended_at")}) w
      CROSS JOIN metric_settings s
     GROUP BY w.${KEY_COLUMN[groupBy]}, w.joined_bucket, w.ended_bucket`;
  return reportQuery<WaitRow>(pool, sql, args);
}

/** When a handling period is done: a call at the end of its talk, other work when it ends. */
const DONE = "COALESCE(t.talk_ended_at, t.ended_at)";

export interface HandlingRow extends KeyedRow { handled: number; handle_seconds: number; agent_transfers: number }

/** Handle time: accept → end of talk (talk and hold) plus the wrap-up after it; text: assigned → its end. */
export async function handlingRows(pool: pg.Pool, args: unknown[], groupBy: ReportGroupBy, interval: ReportInterval): Promise<HandlingRow[]> {
  const sql = `WITH ${edges(interval)}
    SELECT t.${KEY_COLUMN[groupBy]}::text AS key, width_bucket(${DONE}, b.e) - 1 AS bucket, count(*)::int AS handled,
           COALESCE(sum(extract(epoch FROM ${DONE} - t.started_at) + COALESCE(t.wrap_up_ms, 0) / 1000.0), 0)::float8 AS handle_seconds,
           count(*) FILTER (WHERE t.end_reason = 'transferred')::int AS agent_transfers
      FROM b JOIN handling_periods t ON ${IN_PERIOD(DONE)}
     GROUP BY t.${KEY_COLUMN[groupBy]}, 2`;
  return reportQuery<HandlingRow>(pool, sql, args);
}

export interface ResponseRow extends KeyedRow { responded: number; response_seconds: number }

/** First responses, in the bucket of the reply. */
export async function responseRows(pool: pg.Pool, args: unknown[], groupBy: ReportGroupBy, interval: ReportInterval): Promise<ResponseRow[]> {
  const sql = `WITH ${edges(interval)}
    SELECT t.${KEY_COLUMN[groupBy]}::text AS key, width_bucket(t.first_reply_at, b.e) - 1 AS bucket, count(*)::int AS responded,
           COALESCE(sum(extract(epoch FROM t.first_reply_at - t.first_inbound_at)), 0)::float8 AS response_seconds
      FROM b JOIN first_responses t ON ${IN_PERIOD("t.first_reply_at")}
     GROUP BY t.${KEY_COLUMN[groupBy]}, 2`;
  return reportQuery<ResponseRow>(pool, sql, args);
}

export interface OccupancyRow extends KeyedRow { handling_seconds: number; idle_seconds: number }

/** A time range clipped to the period. */
const CLIPPED = (from: string, to: string) => `tstzrange(greatest(${from}, b.start_at), least(${to}, b.end_at))`;

/**
 * Occupancy per agent and bucket: time handling at least one conversation (a call until its talk ends)
 * or wrapping up, while signed in; and time available while handling nothing. Overlapping work counts
 * once (each agent's ranges are unioned over the period, then their pieces spread over the buckets).
 */
export async function occupancyRows(pool: pg.Pool, args: unknown[], interval: ReportInterval): Promise<OccupancyRow[]> {
  const open = "COALESCE(t.talk_ended_at, t.ended_at, now())";
  const state = (where: string) => `COALESCE(range_agg(${CLIPPED("p.started_at", "COALESCE(p.ended_at, now())")}) FILTER (WHERE ${where}), '{}')`;
  const sql = `WITH ${edges(interval)},
    work AS (
      SELECT t.agent_id, range_agg(${CLIPPED("t.started_at", open)}) AS busy
        FROM b JOIN handling_periods t ON t.started_at < b.end_at AND ${open} > b.start_at
       GROUP BY t.agent_id),
    states AS (
      SELECT p.agent_id, ${state("p.state <> 'offline'")} AS signed_in, ${state("p.state = 'available'")} AS available, ${state("p.state = 'wrap_up'")} AS wrapping
        FROM b JOIN agent_state_periods p ON p.started_at < b.end_at AND COALESCE(p.ended_at, now()) > b.start_at
       GROUP BY p.agent_id),
    pieces AS (
      SELECT s.agent_id, true AS handling, r FROM states s LEFT JOIN work w USING (agent_id), unnest((COALESCE(w.busy, '{}') + s.wrapping) * s.signed_in) r
      UNION ALL
      SELECT s.agent_id, false, r FROM states s LEFT JOIN work w USING (agent_id), unnest(s.available - COALESCE(w.busy, '{}')) r)
    SELECT x.agent_id::text AS key, k - 1 AS bucket,
           COALESCE(sum(x.seconds) FILTER (WHERE x.handling), 0)::float8 AS handling_seconds,
           COALESCE(sum(x.seconds) FILTER (WHERE NOT x.handling), 0)::float8 AS idle_seconds
      FROM (SELECT p.agent_id, p.handling, k, extract(epoch FROM least(upper(p.r), b.e[k + 1]) - greatest(lower(p.r), b.e[k])) AS seconds
              FROM pieces p, b, generate_series(width_bucket(lower(p.r), b.e), least(width_bucket(upper(p.r), b.e), b.n)) k) x
     WHERE x.seconds > 0
     GROUP BY x.agent_id, k`;
  return reportQuery<OccupancyRow>(pool, sql, args);
}

/** Names of the queues or agents a report's groups are keyed by. */
export async function groupNames(pool: pg.Pool, groupBy: ReportGroupBy, keys: string[]): Promise<Map<string, string>> {
  if (groupBy !== "queue" && groupBy !== "agent") return new Map(keys.map((k) => [k, k]));
  const table = groupBy === "queue" ? "queues" : "agents";
  const { rows } = await pool.query<{ id: string; name: string }>(`SELECT id::text, name FROM ${table} WHERE id = ANY($1::uuid[])`, [keys]);
  return new Map(rows.map((r) => [r.id, r.name]));
}
