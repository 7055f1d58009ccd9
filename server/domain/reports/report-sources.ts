// The reports' figures from the stored events (queue_waits, handling_periods, first_responses,
// agent_state_periods), one row per event (or occupancy piece) and bucket, shared by the reports (for
// what is not pre-summed) and the report facts job (which sums them per 15 minutes). Each reads a CTE
// `b`: e (the buckets' edges, ascending), start_at, end_at, n (the bucket count) and, per kind, the
// window win_<kind> (a tstzmultirange inside [start_at, end_at)): only instants inside it count.
// Seconds are whole microseconds (bigint), so any split of the sums adds up to the same total.
import { waitCountFlags } from "../metrics/wait-counts.ts";

export type FactKind = "waits" | "handling" | "responses" | "occupancy";
export const FACT_KINDS: FactKind[] = ["waits", "handling", "responses", "occupancy"];

/** Every summed column of a report row, each kind's own. */
export const KIND_MEASURES: Record<FactKind, string[]> = {
  waits: ["offered", "reopened", "answered", "abandoned", "short_abandoned", "moved", "sl_counted", "sl_met", "answer_us"],
  handling: ["handled", "handle_us", "agent_transfers"],
  responses: ["responded", "response_us"],
  occupancy: ["handling_us", "idle_us"],
};
/** The 0-based bucket of an instant inside the window (so inside the period). */
const BUCKET = (at: string) => `width_bucket(${at}, b.e) - 1`;
const US = (interval: string) => `round(extract(epoch FROM ${interval}) * 1000000)::bigint`;
/** Rows whose instant `at` lies in the kind's window: one index range scan per piece of it. */
const IN_WINDOW = (kind: FactKind, table: string, at: string) =>
  `b CROSS JOIN LATERAL unnest(b.win_${kind}) r JOIN ${table} ON ${at} >= lower(r) AND ${at} < upper(r)`;
const GROUP_COLUMNS = (t: string) => `${t}.queue_id, ${t}.channel, ${t}.tier, ${t}.agent_id`;

/** Waits: offered in the bucket they joined, every outcome in the bucket they ended (wait-counts.ts). */
export function waitSourceRows(): string {
  return `SELECT ${GROUP_COLUMNS("w")}, ${BUCKET("w.entered_at")} AS bucket, ${waitCountFlags("joined")}
      FROM ${IN_WINDOW("waits", "queue_waits w", "w.entered_at")}
    UNION ALL
    SELECT ${GROUP_COLUMNS("w")}, ${BUCKET("w.ended_at")} AS bucket, ${waitCountFlags("ended")}
      FROM ${IN_WINDOW("waits", "queue_waits w", "w.ended_at")} CROSS JOIN metric_settings s`;
}

/** When a handling period is done: a call at the end of its talk, other work when it ends. */
const DONE = "COALESCE(t.talk_ended_at, t.ended_at)";

/** Handle time: accept → end of talk (talk and hold) plus the wrap-up after it; text: assigned → its end. */
export function handlingSourceRows(): string {
  return `SELECT ${GROUP_COLUMNS("t")}, ${BUCKET(DONE)} AS bucket, 1 AS handled,
           ${US(`${DONE} - t.started_at`)} + COALESCE(t.wrap_up_ms, 0)::bigint * 1000 AS handle_us,
           CASE WHEN t.end_reason = 'transferred' THEN 1 ELSE 0 END AS agent_transfers
      FROM ${IN_WINDOW("handling", "handling_periods t", DONE)}`;
}

/** First responses, in the bucket of the reply. */
export function responseSourceRows(): string {
  return `SELECT ${GROUP_COLUMNS("t")}, ${BUCKET("t.first_reply_at")} AS bucket, 1 AS responded,
           ${US("t.first_reply_at - t.first_inbound_at")} AS response_us
      FROM ${IN_WINDOW("responses", "first_responses t", "t.first_reply_at")}`;
}

/**
 * Occupancy per agent and bucket: time handling at least one conversation (a call until its talk ends)
 * or wrapping up, while signed in; and time available while handling nothing. Overlapping work counts
 * once (each agent's ranges are unioned, cut to the window, then their pieces spread over the buckets).
 * Periods are found by start and end (still running ones too), not by scanning every earlier start.
 */
export function occupancySourceRows(): string {
  const open = "COALESCE(t.talk_ended_at, t.ended_at, now())";
  const overlaps = (start: string, end: string, open: string) =>
    `${start} < upper(r) AND (${end} > lower(r) OR ${end} IS NULL) AND ${open} > lower(r)`;
  const state = (where: string) => `COALESCE(range_agg(tstzrange(p.started_at, COALESCE(p.ended_at, now()))) FILTER (WHERE ${where}), '{}') * (SELECT win_occupancy FROM b)`;
  return `WITH work AS (
      SELECT t.agent_id, range_agg(tstzrange(t.started_at, ${open})) * (SELECT win_occupancy FROM b) AS busy
        FROM b CROSS JOIN LATERAL unnest(b.win_occupancy) r JOIN handling_periods t ON ${overlaps("t.started_at", DONE, open)}
       GROUP BY t.agent_id),
    states AS (
      SELECT p.agent_id, ${state("p.state <> 'offline'")} AS signed_in, ${state("p.state = 'available'")} AS available, ${state("p.state = 'wrap_up'")} AS wrapping
        FROM b CROSS JOIN LATERAL unnest(b.win_occupancy) r JOIN agent_state_periods p ON ${overlaps("p.started_at", "p.ended_at", "COALESCE(p.ended_at, now())")}
       GROUP BY p.agent_id),
    pieces AS (
      SELECT s.agent_id, true AS handling, x FROM states s LEFT JOIN work w USING (agent_id), unnest((COALESCE(w.busy, '{}') + s.wrapping) * s.signed_in) x
      UNION ALL
      SELECT s.agent_id, false, x FROM states s LEFT JOIN work w USING (agent_id), unnest(s.available - COALESCE(w.busy, '{}')) x)
    SELECT NULL::uuid AS queue_id, NULL::"Channel" AS channel, NULL::"CustomerTier" AS tier, y.agent_id, y.bucket,
           CASE WHEN y.handling THEN y.us ELSE 0 END AS handling_us, CASE WHEN y.handling THEN 0 ELSE y.us END AS idle_us
      FROM (SELECT p.agent_id, p.handling, k - 1 AS bucket, ${US("least(upper(p.x), b.e[k + 1]) - greatest(lower(p.x), b.e[k])")} AS us
              FROM pieces p, b, generate_series(width_bucket(lower(p.x), b.e), least(width_bucket(upper(p.x), b.e), b.n)) k) y
     WHERE y.us > 0`;
}

export const SOURCE_ROWS: Record<FactKind, () => string> = {
  waits: waitSourceRows,
  handling: handlingSourceRows,
  responses: responseSourceRows,
  occupancy: occupancySourceRows,
};
