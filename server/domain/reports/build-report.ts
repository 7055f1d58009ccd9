// A report: the period's figures per group and per bucket, computed in SQL (report-sql.ts) from the
// 15-minute sums and the stored events; the totals are the buckets' sums, so a day and its hours, a
// queue and its channels agree.
import type pg from "pg";
import { metricDefinitions } from "../../../shared/metrics.ts";
import type { Report, ReportBucket, ReportCell, ReportCounts, ReportGroup, ReportQuery } from "../../../shared/reports.ts";
import type { PrismaClient } from "../../db/client.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { RateLimiter } from "../auth/sessions.ts";
import { AppError } from "../../errors.ts";
import { readMetricSettings } from "../metrics/metric-settings.ts";
import { abandonRate, averageSpeedOfAnswer, serviceLevel } from "../metrics/wait-counts.ts";
import { groupNames, reportBuckets, reportRows, type KindRow } from "./report-sql.ts";

export interface ReportDeps { pool: pg.Pool; prisma: PrismaClient; limiter: RateLimiter }

// A report of a busy month reads a million rows for a second or two: far more than a person asks for
// (the screen reloads on each change of its pickers), and a stuck script cannot keep the database busy.
export const REPORTS_PER_AGENT = { limit: 30, windowSeconds: 60 };

const emptyCounts = (): ReportCounts => ({
  offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, reopened: 0, moved: 0, slCounted: 0, slMet: 0, answerSeconds: 0,
  handled: 0, handleSeconds: 0, agentTransfers: 0, responded: 0, responseSeconds: 0, handlingSeconds: 0, idleSeconds: 0,
});

function addInto(a: ReportCounts, b: Partial<ReportCounts>): void {
  for (const [k, v] of Object.entries(b) as [keyof ReportCounts, number][]) a[k] += v;
}

/** A kind's row as report counts: its columns are the counts' names in snake case, seconds as *_seconds. */
const countsOf = (r: KindRow): Partial<ReportCounts> => {
  const counts: Partial<Record<keyof ReportCounts, number>> = {};
  for (const [column, value] of Object.entries(r)) {
    if (column === "key" || column === "bucket") continue;
    counts[column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof ReportCounts] = value as number;
  }
  return counts;
};

const ratio = (n: number, d: number): number | null => (d ? n / d : null);

/** The rates of a cell, each as its definition in shared/metrics.ts says. */
export function cellOf(c: ReportCounts): ReportCell {
  return {
    ...c,
    serviceLevel: serviceLevel(c),
    asa: averageSpeedOfAnswer(c),
    abandonRate: abandonRate(c),
    aht: ratio(c.handleSeconds, c.handled),
    frt: ratio(c.responseSeconds, c.responded),
    occupancy: ratio(c.handlingSeconds, c.handlingSeconds + c.idleSeconds),
    reopenRate: ratio(c.reopened, c.offered),
    transfers: c.agentTransfers + c.moved,
  };
}

const NO_GROUP_NAME = { queue: "(no queue)", agent: "(no agent)", channel: "(none)", tier: "(none)" } as const;

/** Local time with its UTC offset, so a fall-back day's two 01:00 hours read apart. */
function bucketLabel(at: Date, query: ReportQuery): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: query.timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
    }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  if (query.interval === "day") return date;
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : parts.timeZoneName!.replace("GMT", "");
  return `${date} ${parts.hour}:${parts.minute} ${offset}`;
}

export interface BuildOptions {
  /** Read the 15-minute sums where sealed (the default), or only the stored events (the reference). */
  useFacts?: boolean;
}

export async function buildReport(deps: ReportDeps, actor: Actor, query: ReportQuery, opts: BuildOptions = {}): Promise<Report> {
  assertCan(actor, "reports.read");
  const hit = await deps.limiter.hit(`reports:agent:${actor.id}`, REPORTS_PER_AGENT.limit, REPORTS_PER_AGENT.windowSeconds);
  if (!hit.allowed) throw new AppError("RATE_LIMITED", `Too many reports; try again in ${hit.retryAfterSeconds} s`, { retryAfterSeconds: hit.retryAfterSeconds });
  const args: [string, string, string] = [query.from, query.to, query.timeZone];
  const { groupBy, interval } = query;
  const [bounds, settings, kinds] = await Promise.all([
    reportBuckets(deps.pool, args, interval),
    readMetricSettings(deps),
    reportRows(deps.pool, args, groupBy, interval, opts.useFacts ?? true),
  ]);
  const buckets: ReportBucket[] = bounds.map((b) => ({ start: b.start.toISOString(), end: b.end.toISOString(), label: bucketLabel(b.start, query) }));

  // Rows come ordered by kind, group and bucket, one per kind and pair: every sum below runs in the same
  // order whichever way the rows were counted, so the doubles come out the same.
  const byKey = new Map<string | null, ReportCounts[]>();
  for (const r of kinds.flat()) {
    let cells = byKey.get(r.key);
    if (!cells) byKey.set(r.key, (cells = buckets.map(emptyCounts)));
    const cell = cells[r.bucket];
    if (!cell) throw new Error(`report bucket ${r.bucket} outside the period's ${buckets.length}`);
    addInto(cell, countsOf(r));
  }

  const names = await groupNames(deps.pool, groupBy, [...byKey.keys()].filter((k): k is string => k !== null));
  const totalBuckets = buckets.map(emptyCounts);
  const groups: ReportGroup[] = [...byKey.entries()].map(([key, cells]) => {
    const total = emptyCounts();
    cells.forEach((c, i) => (addInto(total, c), addInto(totalBuckets[i]!, c)));
    return { key, name: key === null ? NO_GROUP_NAME[groupBy] : (names.get(key) ?? key), total: cellOf(total), buckets: cells.map(cellOf) };
  });
  groups.sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.name.localeCompare(b.name)));
  const total = emptyCounts();
  totalBuckets.forEach((c) => addInto(total, c));
  return {
    query,
    start: buckets[0]!.start,
    end: buckets[buckets.length - 1]!.end,
    settings,
    definitions: metricDefinitions(settings),
    buckets,
    groups,
    total: cellOf(total),
    totalBuckets: totalBuckets.map(cellOf),
  };
}
