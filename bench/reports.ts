// Reports over a million conversations: the report facts job's backfill of the seeded month timed on
// its own, then buildReport for a month (by queue and by agent, daily; and by queue hourly for a week)
// timed in this process on its own pool, beside the floor of the same run: the bare aggregate (a count
// per group and day over the same rows of each source table, side by side).
import type { RateLimiter } from "../server/domain/auth/sessions.ts";
import { createDb } from "../server/db/client.ts";
import type { Actor } from "../server/domain/auth/permissions.ts";
import { buildReport } from "../server/domain/reports/build-report.ts";
import { buildReportFacts } from "../server/domain/reports/report-facts.ts";
import type { ReportGroupBy, ReportInterval } from "../shared/reports.ts";
import { seedReportHistory, type ReportSeedOptions } from "./reports-seed.ts";
import { summarize, type Summary } from "./stats.ts";

const open = async () => ({ allowed: true, retryAfterSeconds: 0 });
const UNLIMITED: RateLimiter = { hit: open, peek: open, reset: async () => {} };

export interface ReportsOptions extends ReportSeedOptions { iterations: number; warmup: number; log: (line: string) => void }

export const DEFAULT_REPORTS_OPTIONS: Omit<ReportsOptions, "log"> = {
  conversations: 1_000_000, queues: 20, agents: 200, customers: 50_000, month: "2026-03", iterations: 20, warmup: 4,
};

export interface ReportsCase { groupBy: ReportGroupBy; interval: ReportInterval; from: string; to: string; groups: number; buckets: number; domain: Summary; floor: Summary }

export interface ReportsResult {
  options: Omit<ReportsOptions, "log">;
  seedSeconds: number;
  rows: Record<string, number>;
  /** The report facts job from nothing to caught up over the seeded history (the backfill), and its sums' rows. */
  factsSeconds: number;
  factSteps: number;
  factRows: Record<string, number>;
  cases: ReportsCase[];
}

const KEY: Record<ReportGroupBy, string> = { queue: "queue_id", agent: "agent_id", channel: "channel", tier: "tier" };

/** The bare aggregate: a count per group and local day of each source's rows in the period, side by side. */
function floorQueries(groupBy: ReportGroupBy): string[] {
  const period = (at: string) => `${at} >= ($1::date)::timestamp AT TIME ZONE $3 AND ${at} < ($2::date + 1)::timestamp AT TIME ZONE $3`;
  const per = (table: string, at: string) =>
    `SELECT ${KEY[groupBy]}, (${at} AT TIME ZONE $3)::date AS day, count(*) FROM ${table} WHERE ${period(at)} GROUP BY 1, 2`;
  return [
    per("queue_waits", "entered_at"),
    per("queue_waits", "ended_at"),
    per("handling_periods", "COALESCE(talk_ended_at, ended_at)"),
    per("first_responses", "first_reply_at"),
  ];
}

export async function runReports(databaseUrl: string, options: ReportsOptions): Promise<ReportsResult> {
  const { log } = options;
  const db = createDb(databaseUrl, { max: 6, onIdleError: (err) => log(`pool error: ${err.message}`) });
  try {
    const t0 = performance.now();
    await seedReportHistory(db.pool, options);
    const seedSeconds = (performance.now() - t0) / 1000;
    const rows: Record<string, number> = {};
    for (const table of ["conversations", "queue_waits", "handling_periods", "first_responses", "agent_state_periods"]) {
      rows[table] = Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    }
    log(`reports: seeded in ${seedSeconds.toFixed(1)} s: ${Object.entries(rows).map(([t, n]) => `${n.toLocaleString("en-US")} ${t}`).join(", ")}`);

    // The job as the workers run it, until caught up: every interval from the seeded month to now sealed.
    const t1 = performance.now();
    let factSteps = 0;
    for (;;) {
      const run = await buildReportFacts(db, { budgetMs: 600_000 });
      factSteps += run.steps;
      if (run.caughtUp) break;
    }
    const factsSeconds = (performance.now() - t1) / 1000;
    const factRows: Record<string, number> = {};
    for (const table of ["report_wait_facts", "report_handling_facts", "report_response_facts", "report_occupancy_facts"]) {
      await db.pool.query(`ANALYZE ${table}`);
      factRows[table] = Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    }
    log(`reports: 15-minute sums built in ${factsSeconds.toFixed(1)} s (${factSteps} steps): ${Object.entries(factRows).map(([t, n]) => `${n.toLocaleString("en-US")} ${t}`).join(", ")}`);

    const actor: Actor = { id: "00000000-0000-0000-0000-000000000000", role: "supervisor", name: "Bench Supervisor" };
    const last = new Date(Date.UTC(Number(options.month.slice(0, 4)), Number(options.month.slice(5, 7)), 0)).getUTCDate();
    const month = { from: `${options.month}-01`, to: `${options.month}-${String(last).padStart(2, "0")}` };
    const week = { from: `${options.month}-09`, to: `${options.month}-15` };
    const plan: [ReportGroupBy, ReportInterval, { from: string; to: string }][] = [["queue", "day", month], ["agent", "day", month], ["queue", "hour", week]];
    const cases: ReportsCase[] = [];
    for (const [groupBy, interval, period] of plan) {
      const query = { ...period, timeZone: "America/New_York", groupBy, interval };
      // The bench measures the report, not the per-agent limit a person's screen stays under.
      const run = () => buildReport({ ...db, limiter: UNLIMITED }, actor, query);
      const floor = () => Promise.all(floorQueries(groupBy).map((sql) => db.pool.query(sql, [period.from, period.to, query.timeZone])));
      const sample = await run();
      const domain = await time(run, options.iterations, options.warmup);
      const floorSummary = await time(floor, options.iterations, options.warmup);
      cases.push({ groupBy, interval, ...period, groups: sample.groups.length, buckets: sample.buckets.length, domain, floor: floorSummary });
      log(`reports: by ${groupBy}, ${interval}, ${period.from}–${period.to}: p50 ${domain.p50.toFixed(0)} ms, p99 ${domain.p99.toFixed(0)} ms (floor p99 ${floorSummary.p99.toFixed(0)} ms), ${sample.groups.length} groups × ${sample.buckets.length} buckets, ${sample.total.offered.toLocaleString("en-US")} offered`);
    }
    const { log: _log, ...rest } = options;
    return { options: rest, seedSeconds, rows, factsSeconds, factSteps, factRows, cases };
  } finally {
    await db.close();
  }
}

async function time(fn: () => Promise<unknown>, iterations: number, warmup: number): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}
