// The report's aggregates, in SQL over the stored events: waits (queue_waits), handling periods, first
// responses and agent state periods. Parameters: $1 the first local date, $2 the last, $3 the IANA zone.
// The period is [local $1 00:00, local $2 + 1 00:00) as instants; every event lands in the bucket of its
// instant: hour buckets are whole hours from local midnight (a daylight-saving day has 23 or 25), day
// buckets are local dates (whose length the zone decides).
import type pg from "pg";
import type { ReportGroupBy, ReportInterval } from "../../../shared/reports.ts";
import { waitCountColumns, type WaitCountRow } from "../metrics/wait-counts.ts";

const BOUNDS = `bounds AS (SELECT ($1::date)::timestamp AT TIME ZONE $3 AS start_at, ($2::date + 1)::timestamp AT TIME ZONE $3 AS end_at)`;

/** The bucket (0-based) an instant falls in; only used on instants inside the period. */
function bucketOf(at: string, interval: ReportInterval): string {
  return interval === "hour"
    ? `floor(extract(epoch FROM ${at} - b.start_at) / 3600)::int`
    : `((${at}) AT TIME ZONE $3)::date - $1::date`;
}

/** The buckets' bounds, in order. */
export async function reportBuckets(pool: pg.Pool, args: unknown[], interval: ReportInterval): Promise<{ start: Date; end: Date }[]> {
  const sql = interval === "hour"
    ? `WITH ${BOUNDS} SELECT h AS start, h + interval '1 hour' AS end
         FROM bounds b, generate_series(b.start_at, b.end_at - interval '1 hour', interval '1 hour') h ORDER BY h`
    : `SELECT d::timestamp AT TIME ZONE $3 AS start, (d + 1)::timestamp AT TIME ZONE $3 AS end
         FROM generate_series($1::date, $2::date, interval '1 day') g(day), LATERAL (SELECT g.day::date AS d) x ORDER BY d`;
  return (await pool.query<{ start: Date; end: Date }>(sql, args)).rows;
}

/** The group's key in each source table (`t` is its alias, `w` for the waits). */
const KEY_COLUMN: Record<ReportGroupBy, string> = { queue: "queue_id", channel: "channel", agent: "agent_id", tier: "tier" };
const KEY = (groupBy: ReportGroupBy, alias = "t") => `${alias}.${KEY_COLUMN[groupBy]}::text`;

const IN_PERIOD = (at: string) => `(${at} >= b.start_at AND ${at} < b.end_at)`;

export interface KeyedRow { key: string | null; bucket: number }

/**
 * Wait counts (shared with the live board): a wait is offered in the bucket it joined the queue, and
 * answered, abandoned or moved in the bucket it ended; so each wait is looked at once per instant.
 */
export async function waitRows(pool: pg.Pool, args: unknown[], groupBy: ReportGroupBy, interval: ReportInterval): Promise<(KeyedRow & WaitCountRow)[]> {
  const sql = `WITH ${BOUNDS}
    SELECT ${KEY(groupBy, "w")} AS key, ${bucketOf("e.at", interval)} AS bucket, ${waitCountColumns("e.joined", "NOT e.joined")}
      FROM bounds b
      JOIN queue_waits w ON ${IN_PERIOD("w.entered_at")} OR ${IN_PERIOD("w.ended_at")}
      CROSS JOIN metric_settings s
      CROSS JOIN LATERAL (VALUES (true, w.entered_at), (false, w.ended_at)) e(joined, at)
     WHERE ${IN_PERIOD("e.at")}
     GROUP BY 1, 2`;
  return (await pool.query<KeyedRow & WaitCountRow>(sql, args)).rows;
}

/** When a handling period is done: a call at the end of its talk, other work when it ends. */
const DONE = "COALESCE(t.talk_ended_at, t.ended_at)";

export interface HandlingRow extends KeyedRow { handled: number; handle_seconds: number; agent_transfers: number }

/** Handle time: accept → end of talk (talk and hold) plus the wrap-up after it; text: assigned → its end. */
export async function handlingRows(pool: pg.Pool, args: unknown[], groupBy: ReportGroupBy, interval: ReportInterval): Promise<HandlingRow[]> {
  const sql = `WITH ${BOUNDS}
    SELECT ${KEY(groupBy)} AS key, ${bucketOf(DONE, interval)} AS bucket, count(*)::int AS handled,
           COALESCE(sum(extract(epoch FROM ${DONE} - t.started_at) + COALESCE(t.wrap_up_ms, 0) / 1000.0), 0)::float8 AS handle_seconds,
           count(*) FILTER (WHERE t.end_reason = 'transferred')::int AS agent_transfers
      FROM bounds b JOIN handling_periods t ON ${IN_PERIOD(DONE)}
     GROUP BY 1, 2`;
  return (await pool.query<HandlingRow>(sql, args)).rows;
}

export interface ResponseRow extends KeyedRow { responded: number; response_seconds: number }

/** First responses, in the bucket of the reply. */
export async function responseRows(pool: pg.Pool, args: unknown[], groupBy: ReportGroupBy, interval: ReportInterval): Promise<ResponseRow[]> {
  const sql = `WITH ${BOUNDS}
    SELECT ${KEY(groupBy)} AS key, ${bucketOf("t.first_reply_at", interval)} AS bucket, count(*)::int AS responded,
           COALESCE(sum(extract(epoch FROM t.first_reply_at - t.first_inbound_at)), 0)::float8 AS response_seconds
      FROM bounds b JOIN first_responses t ON ${IN_PERIOD("t.first_reply_at")}
     GROUP BY 1, 2`;
  return (await pool.query<ResponseRow>(sql, args)).rows;
}

export interface OccupancyRow extends KeyedRow { handling_seconds: number; idle_seconds: number }

const SECONDS_OF = (mr: string) => `(SELECT COALESCE(sum(extract(epoch FROM upper(r) - lower(r))), 0) FROM unnest(${mr}) r)::float8`;

/**
 * Occupancy per agent and bucket: time handling at least one conversation (a call until its talk ends)
 * or wrapping up, while signed in; and time available while handling nothing. Overlapping work counts once.
 */
export async function occupancyRows(pool: pg.Pool, args: unknown[], interval: ReportInterval): Promise<OccupancyRow[]> {
  const sql = `WITH ${BOUNDS},
    buckets AS (${interval === "hour"
      ? `SELECT (row_number() OVER (ORDER BY h) - 1)::int AS bucket, tstzrange(h, h + interval '1 hour') AS span
           FROM bounds b, generate_series(b.start_at, b.end_at - interval '1 hour', interval '1 hour') h`
      : `SELECT (d - $1::date)::int AS bucket, tstzrange(d::timestamp AT TIME ZONE $3, (d + 1)::timestamp AT TIME ZONE $3) AS span
           FROM generate_series($1::date, $2::date, interval '1 day') g(day), LATERAL (SELECT g.day::date AS d) x`}),
    work AS (
      SELECT t.agent_id, range_agg(tstzrange(t.started_at, COALESCE(t.talk_ended_at, t.ended_at, now()))) AS busy
        FROM bounds b JOIN handling_periods t ON t.started_at < b.end_at AND COALESCE(t.talk_ended_at, t.ended_at, now()) > b.start_at
       GROUP BY t.agent_id),
    states AS (
      SELECT p.agent_id,
             COALESCE(range_agg(tstzrange(p.started_at, COALESCE(p.ended_at, now()))) FILTER (WHERE p.state <> 'offline'), '{}') AS signed_in,
             COALESCE(range_agg(tstzrange(p.started_at, COALESCE(p.ended_at, now()))) FILTER (WHERE p.state = 'available'), '{}') AS available,
             COALESCE(range_agg(tstzrange(p.started_at, COALESCE(p.ended_at, now()))) FILTER (WHERE p.state = 'wrap_up'), '{}') AS wrapping
        FROM bounds b JOIN agent_state_periods p ON p.started_at < b.end_at AND COALESCE(p.ended_at, now()) > b.start_at
       GROUP BY p.agent_id),
    agent_time AS (
      SELECT s.agent_id, (COALESCE(w.busy, '{}') + s.wrapping) * s.signed_in AS handling,
             s.available - COALESCE(w.busy, '{}') AS idle
        FROM states s LEFT JOIN work w USING (agent_id))
    SELECT a.agent_id::text AS key, k.bucket,
           ${SECONDS_OF("a.handling * tstzmultirange(k.span)")} AS handling_seconds,
           ${SECONDS_OF("a.idle * tstzmultirange(k.span)")} AS idle_seconds
      FROM agent_time a CROSS JOIN buckets k
     WHERE a.handling && k.span OR a.idle && k.span`;
  return (await pool.query<OccupancyRow>(sql, args)).rows;
}

/** Names of the queues or agents a report's groups are keyed by. */
export async function groupNames(pool: pg.Pool, groupBy: ReportGroupBy, keys: string[]): Promise<Map<string, string>> {
  if (groupBy !== "queue" && groupBy !== "agent") return new Map(keys.map((k) => [k, k]));
  const table = groupBy === "queue" ? "queues" : "agents";
  const { rows } = await pool.query<{ id: string; name: string }>(`SELECT id::text, name FROM ${table} WHERE id = ANY($1::uuid[])`, [keys]);
  return new Map(rows.map((r) => [r.id, r.name]));
}
