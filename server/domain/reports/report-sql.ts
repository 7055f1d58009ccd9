// A report's figures, one SQL statement (one snapshot) per kind of figure (waits, handling, first
// responses, occupancy), run side by side: the 15-minute sums the report facts job wrote
// (report-facts.ts) for the sealed part of the period, plus the stored events (report-sources.ts) for
// the rest: from the sealed edge on, and wherever the kind's sums are marked stale. Parameters: $1 the
// first local date, $2 the last, $3 the IANA zone, $4 the grouping, $5 whether to read the sums at all
// (false: the events only, the reference the sums are tested against). The period is [local $1 00:00,
// local $2 + 1 00:00) as instants; hour buckets are whole hours from local midnight (a daylight-saving
// day has 23 or 25), day buckets are local dates. Every 15-minute interval lies in one bucket, since
// every zone's offset is a multiple of 15 minutes (checked: a period whose edges are not reads events).
import type pg from "pg";
import type { ReportGroupBy, ReportInterval } from "../../../shared/reports.ts";
import { FACT_KINDS, KIND_MEASURES, SOURCE_ROWS, type FactKind } from "./report-sources.ts";

/** The buckets' edges, ascending, the period's end the last: each instant's bucket is width_bucket over them. */
function edges(interval: ReportInterval): string {
  const list = interval === "hour"
    ? `SELECT array_agg(h ORDER BY h) FROM generate_series(($1::date)::timestamp AT TIME ZONE $3, ($2::date + 1)::timestamp AT TIME ZONE $3, interval '1 hour') h`
    : `SELECT array_agg(d::timestamp AT TIME ZONE $3 ORDER BY d) FROM generate_series($1::date, $2::date + 1, interval '1 day') d`;
  return `edges AS (${list})`;
}

const EPOCH = `timestamptz '2000-01-01 00:00:00+00'`;
const aligned = (seconds: number) => `(SELECT bool_and(extract(epoch FROM x) % ${seconds} = 0) FROM unnest(e) x)`;

/**
 * The kind's window (win_<kind>): the whole period, or where its sums cannot be read (unsealed or
 * marked); and the hours it touches (touched), whose quarters are read instead of their hour's sum
 * (the whole period where the edges are not whole UTC hours, as in a zone 30 or 45 minutes off).
 */
const windows = (kind: FactKind) => `
  period AS (
    SELECT e, e[1] AS start_at, e[cardinality(e)] AS end_at, cardinality(e) - 1 AS n,
           $5::boolean AND (SELECT sealed_until IS NOT NULL FROM report_fact_state) AND ${aligned(900)} AS usable, ${aligned(3600)} AS hourly
      FROM edges x(e)),
  w AS (
    SELECT p.*, tstzmultirange(tstzrange(p.start_at, p.end_at)) AS whole,
           CASE WHEN p.usable THEN (tstzmultirange(tstzrange((SELECT sealed_until FROM report_fact_state), NULL))
             + COALESCE((SELECT range_agg(tstzrange(starts_at, ends_at)) FROM report_fact_dirty WHERE kind = '${kind}'), '{}'))
             * tstzmultirange(tstzrange(p.start_at, p.end_at))
           ELSE tstzmultirange(tstzrange(p.start_at, p.end_at)) END AS win
      FROM period p),
  b AS (
    SELECT w.*, w.win AS win_${kind}, CASE WHEN w.usable AND w.hourly
             THEN COALESCE((SELECT range_agg(tstzrange(date_bin('1 hour', lower(r), ${EPOCH}), date_bin('1 hour', upper(r) - interval '1 microsecond', ${EPOCH}) + interval '1 hour'))
                              FROM unnest(w.win) r), '{}') * w.whole
             ELSE w.whole END AS touched
      FROM w)`;

const FACT_TABLE: Record<FactKind, string> = {
  waits: "report_wait_facts", handling: "report_handling_facts", responses: "report_response_facts", occupancy: "report_occupancy_facts",
};

/** The kind's sums in the period outside its window, keyed by the grouping ($4): hours, and quarters of the touched hours. */
function factRows(kind: FactKind): string {
  const key = kind === "occupancy" ? "f.agent_id::text" : "NULLIF(f.key, '')";
  const dimension = kind === "occupancy" ? "$4 = 'agent'" : "f.dimension = $4";
  const select = `SELECT ${key} AS key, width_bucket(f.interval_start, b.e) - 1 AS bucket, ${KIND_MEASURES[kind].map((m) => `f.${m}`).join(", ")}`;
  return `${select}
      FROM b JOIN ${FACT_TABLE[kind]} f ON ${dimension} AND f.minutes = 60 AND f.interval_start >= b.start_at AND f.interval_start < b.end_at
     WHERE b.usable AND b.hourly AND NOT f.interval_start <@ b.touched
    UNION ALL
    ${select}
      FROM b CROSS JOIN LATERAL unnest(b.touched - b.win) r
      JOIN ${FACT_TABLE[kind]} f ON ${dimension} AND f.minutes = 15 AND f.interval_start >= lower(r) AND f.interval_start < upper(r)
     WHERE b.usable`;
}

/** The group's column in each source table (its uuid or enum is grouped on, text in the answer). */
export const KEY_COLUMN: Record<ReportGroupBy, string> = { queue: "queue_id", channel: "channel", agent: "agent_id", tier: "tier" };

const eventRows = (kind: FactKind, groupBy: ReportGroupBy) =>
  `SELECT x.${KEY_COLUMN[groupBy]}::text AS key, x.bucket, ${KIND_MEASURES[kind].map((m) => `x.${m}`).join(", ")} FROM (${SOURCE_ROWS[kind]()}) x`;

/** Sums of whole microseconds, as seconds: the nearest double to the exact value, however split. */
const SUM = (m: string) => (m.endsWith("_us") ? `(sum(${m})::float8 / 1000000) AS ${m.replace(/_us$/, "_seconds")}` : `sum(${m})::int AS ${m}`);

export function reportStatement(kind: FactKind, groupBy: ReportGroupBy, interval: ReportInterval): string {
  return `WITH ${edges(interval)}, ${windows(kind)}
    SELECT u.key, u.bucket, ${KIND_MEASURES[kind].map(SUM).join(", ")}
      FROM (${factRows(kind)}
            UNION ALL
            ${eventRows(kind, groupBy)}) u
     GROUP BY u.key, u.bucket
     ORDER BY u.key, u.bucket`;
}

/** One kind's figures of a group and bucket (seconds as *_seconds). */
export interface KindRow { key: string | null; bucket: number; [figure: string]: number | string | null }

/**
 * One report statement on its own pooled client, with JIT off: the planner's estimates for these
 * aggregates pass jit_above_cost, and compiling them took longer than running them (twice as slow at
 * 300,000 conversations, bench/reports.ts).
 */
export async function reportQuery<R extends pg.QueryResultRow>(pool: pg.Pool, sql: string, args: unknown[]): Promise<R[]> {
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

/**
 * The report's rows, each kind's own (occupancy by agent only), kinds in a fixed order and each by
 * group and bucket, so the sums made from them run in the same order however they were counted.
 */
export async function reportRows(pool: pg.Pool, args: [string, string, string], groupBy: ReportGroupBy, interval: ReportInterval, useFacts: boolean): Promise<KindRow[][]> {
  const kinds = FACT_KINDS.filter((k) => k !== "occupancy" || groupBy === "agent");
  return Promise.all(kinds.map((kind) => reportQuery<KindRow>(pool, reportStatement(kind, groupBy, interval), [...args, groupBy, useFacts])));
}

/** The buckets' bounds, in order. */
export async function reportBuckets(pool: pg.Pool, args: unknown[], interval: ReportInterval): Promise<{ start: Date; end: Date }[]> {
  const sql = `WITH ${edges(interval)} SELECT x.e[k] AS start, x.e[k + 1] AS end FROM edges x(e), generate_series(1, cardinality(x.e) - 1) k ORDER BY k`;
  return (await pool.query<{ start: Date; end: Date }>(sql, args)).rows;
}

/** Names of the queues or agents a report's groups are keyed by. */
export async function groupNames(pool: pg.Pool, groupBy: ReportGroupBy, keys: string[]): Promise<Map<string, string>> {
  if (groupBy !== "queue" && groupBy !== "agent") return new Map(keys.map((k) => [k, k]));
  const table = groupBy === "queue" ? "queues" : "agents";
  const { rows } = await pool.query<{ id: string; name: string }>(`SELECT id::text, name FROM ${table} WHERE id = ANY($1::uuid[])`, [keys]);
  return new Map(rows.map((r) => [r.id, r.name]));
}
