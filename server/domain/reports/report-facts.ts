// The report facts job: sums the stored events per 15-minute interval and group (report-sources.ts,
// migration 0030) for intervals that ended more than the seal delay ago, oldest first (after the
// migration that is the whole history: the backfill is just sealing old intervals), and sums again the
// spans marked stale. Each step rebuilds one span (a day at most) in one repeatable-read transaction:
// delete its sums, insert them anew from the same snapshot, and take off the marks that snapshot saw
// (a mark made meanwhile stays, so its write is summed next time). One builder at a time (an advisory
// lock): any number of worker processes may run the job.
import type pg from "pg";
import { FACT_KINDS, KIND_MEASURES, SOURCE_ROWS, type FactKind } from "./report-sources.ts";

/** pg_try_advisory_lock key of the builder ("rfacts" in ASCII). */
const BUILDER_LOCK = 0x726661637473;
/** The most one step rebuilds: a day of intervals. */
const STEP = 24 * 3600_000;
const INTERVAL_MS = 15 * 60_000;

const FACT_TABLE: Record<FactKind, string> = {
  waits: "report_wait_facts", handling: "report_handling_facts", responses: "report_response_facts", occupancy: "report_occupancy_facts",
};

/** The earliest instant each kind's sums could have (its events' and its sums' first). */
const EARLIEST: Record<FactKind, string> = {
  waits: `least((SELECT min(entered_at) FROM queue_waits), (SELECT min(ended_at) FROM queue_waits WHERE ended_at IS NOT NULL), (SELECT min(interval_start) FROM report_wait_facts))`,
  handling: `least((SELECT min(COALESCE(talk_ended_at, ended_at)) FROM handling_periods), (SELECT min(interval_start) FROM report_handling_facts))`,
  responses: `least((SELECT min(first_reply_at) FROM first_responses WHERE first_reply_at IS NOT NULL), (SELECT min(interval_start) FROM report_response_facts))`,
  occupancy: `least((SELECT min(started_at) FROM handling_periods), (SELECT min(started_at) FROM agent_state_periods), (SELECT min(interval_start) FROM report_occupancy_facts))`,
};

/** The span [$1, $2) as the `b` the sources read: 15-minute edges, every kind's window the whole span. */
const SPAN = `edges AS (SELECT array_agg(t ORDER BY t) FROM generate_series($1::timestamptz, $2::timestamptz, interval '15 minutes') t),
  b AS (SELECT e, e[1] AS start_at, e[cardinality(e)] AS end_at, cardinality(e) - 1 AS n,
               ${FACT_KINDS.map((k) => `tstzmultirange(tstzrange(e[1], e[cardinality(e)])) AS win_${k}`).join(", ")}
          FROM edges x(e))`;

const GROUPS = ["queue_id", "channel", "tier", "agent_id"];
const DIMENSION_OF: Record<string, string> = { queue_id: "queue", channel: "channel", tier: "tier", agent_id: "agent" };

/** The insert of one kind's sums over the span, per interval and (but occupancy) per grouping. */
function insertSums(kind: FactKind): string {
  const sums = KIND_MEASURES[kind].map((m) => `sum(x.${m})`).join(", ");
  const at = `$1::timestamptz + x.bucket * interval '15 minutes'`;
  if (kind === "occupancy") {
    return `WITH ${SPAN} INSERT INTO report_occupancy_facts (minutes, interval_start, agent_id, ${KIND_MEASURES[kind].join(", ")})
      SELECT 15, ${at}, x.agent_id, ${sums} FROM (${SOURCE_ROWS[kind]()}) x GROUP BY x.bucket, x.agent_id`;
  }
  const which = (then: (g: string) => string) => `CASE ${GROUPS.slice(0, -1).map((g) => `WHEN GROUPING(x.${g}) = 0 THEN ${then(g)}`).join(" ")} ELSE ${then("agent_id")} END`;
  return `WITH ${SPAN} INSERT INTO ${FACT_TABLE[kind]} (dimension, minutes, interval_start, key, ${KIND_MEASURES[kind].join(", ")})
    SELECT ${which((g) => `'${DIMENSION_OF[g]}'`)}, 15, ${at}, COALESCE(${which((g) => `x.${g}::text`)}, ''), ${sums}
      FROM (${SOURCE_ROWS[kind]()}) x
     GROUP BY GROUPING SETS (${GROUPS.map((g) => `(x.bucket, x.${g})`).join(", ")})`;
}

interface Span { from: Date; to: Date }

/** The hours' sums from their quarters: an hour cut by the span's edge is summed again whole. */
function insertHours(kind: FactKind): string {
  const group = kind === "occupancy" ? ["agent_id"] : ["dimension", "key"];
  const sums = KIND_MEASURES[kind].map((m) => `sum(${m})`).join(", ");
  const hour = `date_bin('1 hour', interval_start, timestamptz '2000-01-01 00:00:00+00')`;
  return `INSERT INTO ${FACT_TABLE[kind]} (minutes, interval_start, ${group.join(", ")}, ${KIND_MEASURES[kind].join(", ")})
    SELECT 60, ${hour}, ${group.join(", ")}, ${sums} FROM ${FACT_TABLE[kind]}
     WHERE minutes = 15 AND interval_start >= $1 AND interval_start < $2 GROUP BY ${hour}, ${group.join(", ")}`;
}

const HOUR_MS = 3600_000;

/** Sums `kinds` over the span anew, and the hours it touches. */
async function rebuild(client: pg.PoolClient, kinds: FactKind[], span: Span): Promise<void> {
  const hours = [new Date(Math.floor(span.from.getTime() / HOUR_MS) * HOUR_MS), new Date(Math.ceil(span.to.getTime() / HOUR_MS) * HOUR_MS)];
  for (const kind of kinds) {
    await client.query(`DELETE FROM ${FACT_TABLE[kind]} WHERE minutes = 15 AND interval_start >= $1 AND interval_start < $2`, [span.from, span.to]);
    await client.query(insertSums(kind), [span.from, span.to]);
    await client.query(`DELETE FROM ${FACT_TABLE[kind]} WHERE minutes = 60 AND interval_start >= $1 AND interval_start < $2`, hours);
    await client.query(insertHours(kind), hours);
  }
}

/** Takes [from, to) (null: unbounded) off the marks of `kinds` that this step's snapshot sees. */
async function unmark(client: pg.PoolClient, kinds: FactKind[], from: Date | null, to: Date | null): Promise<void> {
  await client.query(
    `WITH gone AS (DELETE FROM report_fact_dirty WHERE kind = ANY($1) AND tstzrange(starts_at, ends_at) && tstzrange($2, $3) RETURNING kind, starts_at, ends_at)
     INSERT INTO report_fact_dirty (kind, starts_at, ends_at)
     SELECT g.kind, lower(p), upper(p) FROM gone g, unnest(tstzmultirange(tstzrange(g.starts_at, g.ends_at)) - tstzmultirange(tstzrange($2, $3))) p`,
    [kinds, from, to],
  );
}

const floorInterval = (at: Date) => new Date(Math.floor(at.getTime() / INTERVAL_MS) * INTERVAL_MS);
const minDate = (...ds: Date[]) => new Date(Math.min(...ds.map((d) => d.getTime())));

type Step = "repaired" | "sealed" | "caught-up";

/** One step: the oldest stale span first, else the next unsealed day. */
async function step(client: pg.PoolClient): Promise<Step> {
  const state = (await client.query<{ sealed_until: Date | null; horizon: Date }>(
    `SELECT sealed_until, report_interval(now() - report_facts_seal_delay()) AS horizon FROM report_fact_state`)).rows[0]!;
  const sealed = state.sealed_until;
  if (sealed) {
    const mark = (await client.query<{ kind: FactKind; starts_at: Date | null; ends_at: Date | null }>(
      `SELECT kind, starts_at, ends_at FROM report_fact_dirty WHERE starts_at IS NULL OR starts_at < $1 ORDER BY starts_at NULLS FIRST, id LIMIT 1`, [sealed])).rows[0];
    if (mark) {
      const earliest = mark.starts_at ?? (await client.query<{ at: Date | null }>(`SELECT report_interval(${EARLIEST[mark.kind]}) AS at`)).rows[0]!.at;
      const from = earliest && earliest < sealed ? earliest : sealed;
      // The marks of the kind that start within the step go with it: one rebuild, not one per mark.
      // (null: one of them has no end)
      const last = (await client.query<{ end: Date | null }>(
        `SELECT CASE WHEN bool_or(ends_at IS NULL) THEN NULL ELSE max(ends_at) END AS end FROM report_fact_dirty WHERE kind = $1 AND (starts_at IS NULL OR starts_at < $2)`,
        [mark.kind, new Date(from.getTime() + STEP)])).rows[0]!.end;
      const to = minDate(last ?? sealed, sealed, new Date(from.getTime() + STEP));
      await rebuild(client, [mark.kind], { from, to: to > from ? to : from });
      // A mark from the beginning of time is cleared from there: nothing is older than its span's start.
      await unmark(client, [mark.kind], mark.starts_at, to);
      await unmark(client, FACT_KINDS, sealed, null);
      return "repaired";
    }
    if (sealed >= state.horizon) return "caught-up";
  }
  let from = sealed;
  if (!from) {
    const first = (await client.query<{ at: Date | null }>(`SELECT report_interval(least(${FACT_KINDS.map((k) => EARLIEST[k]).join(", ")})) AS at`)).rows[0]!.at;
    from = first && first < state.horizon ? floorInterval(first) : state.horizon;
  }
  const to = minDate(new Date(from.getTime() + STEP), state.horizon);
  await rebuild(client, FACT_KINDS, { from, to });
  await client.query(`UPDATE report_fact_state SET sealed_until = $1`, [to]);
  // What is not sealed is summed from a later snapshot, which sees every write these marks stand for.
  await unmark(client, FACT_KINDS, sealed ? from : null, null);
  return "sealed";
}

export interface FactsRun { ran: boolean; steps: number; caughtUp: boolean; sealedUntil: Date | null }

/**
 * Seals and repairs until caught up or past the time budget (the next run goes on). `ran` is false when
 * another builder holds the lock.
 */
export async function buildReportFacts(deps: { pool: pg.Pool }, opts: { budgetMs?: number } = {}): Promise<FactsRun> {
  const budgetMs = opts.budgetMs ?? 30_000;
  const client = await deps.pool.connect();
  const started = Date.now();
  let steps = 0;
  let caughtUp = false;
  try {
    const locked = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1) AS ok`, [BUILDER_LOCK])).rows[0]!.ok;
    if (!locked) return { ran: false, steps: 0, caughtUp: false, sealedUntil: null };
    try {
      while (Date.now() - started < budgetMs) {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
        try {
          await client.query("SET LOCAL jit = off");
          const done = await step(client);
          await client.query("COMMIT");
          if (done === "caught-up") {
            caughtUp = true;
            break;
          }
          steps++;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock($1)`, [BUILDER_LOCK]);
    }
    const sealedUntil = (await client.query<{ sealed_until: Date | null }>(`SELECT sealed_until FROM report_fact_state`)).rows[0]!.sealed_until;
    return { ran: true, steps, caughtUp, sealedUntil };
  } finally {
    client.release();
  }
}
