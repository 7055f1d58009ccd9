// Reports on the wire: a period of local dates in a time zone, grouped by queue, channel, agent or tier,
// in hourly or daily buckets. The figures are sums (so buckets and groups add up) and the rates made of
// them; every rate is defined in shared/metrics.ts, the same words the live board shows.
import { z } from "zod";
import { isValidTimeZone } from "./business-hours.ts";
import type { MetricKey, MetricSettings } from "./metrics.ts";

export const ReportGroupBy = z.enum(["queue", "channel", "agent", "tier"]);
export type ReportGroupBy = z.infer<typeof ReportGroupBy>;
export const ReportInterval = z.enum(["hour", "day"]);
export type ReportInterval = z.infer<typeof ReportInterval>;

/** The longest period a report covers, and the longest in hourly buckets. */
export const MAX_REPORT_DAYS = 366;
export const MAX_HOURLY_REPORT_DAYS = 31;

const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-03-08")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "must be a real date");

/** Days from `from` to `to`, both counted. */
export const periodDays = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

export const ReportQuery = z.object({
  /** The first local date of the period (from its 00:00 in the time zone). */
  from: LocalDate,
  /** The last local date, included (the period ends at the next day's local 00:00). */
  to: LocalDate,
  timeZone: z.string().max(100).refine(isValidTimeZone, "must be an IANA time zone such as America/New_York"),
  groupBy: ReportGroupBy.default("queue"),
  interval: ReportInterval.default("day"),
}).strict().superRefine((q, ctx) => {
  const days = periodDays(q.from, q.to);
  if (days < 1) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
  else if (days > MAX_REPORT_DAYS) ctx.addIssue({ code: "custom", path: ["to"], message: `a report covers at most ${MAX_REPORT_DAYS} days` });
  else if (q.interval === "hour" && days > MAX_HOURLY_REPORT_DAYS) ctx.addIssue({ code: "custom", path: ["interval"], message: `hourly buckets cover at most ${MAX_HOURLY_REPORT_DAYS} days` });
});
export type ReportQuery = z.infer<typeof ReportQuery>;

/** The sums a report cell is made of (each adds up across buckets and groups). */
export interface ReportCounts {
  offered: number; answered: number; abandoned: number; shortAbandoned: number; reopened: number; moved: number;
  slCounted: number; slMet: number; answerSeconds: number;
  /** Handling periods done in the bucket (a call's at its end of talk), and their handle time. */
  handled: number; handleSeconds: number; agentTransfers: number;
  /** First responses given in the bucket, and their total time. */
  responded: number; responseSeconds: number;
  /** Agent time in the bucket: handling (or wrapping up) while signed in; available and handling nothing. */
  handlingSeconds: number; idleSeconds: number;
}

/** The figures beside each definition: null where nothing was counted (shown as —). */
export interface ReportFigures {
  serviceLevel: number | null; asa: number | null; abandonRate: number | null; aht: number | null; frt: number | null;
  occupancy: number | null; reopenRate: number | null; transfers: number;
}

export type ReportCell = ReportCounts & ReportFigures;

export interface ReportBucket {
  /** The bucket's first instant and the next bucket's (ISO, UTC). */
  start: string;
  end: string;
  /** Local time with its offset, e.g. 2026-11-01 01:00 −04:00 (a fall-back day shows 01:00 twice). */
  label: string;
}

export interface ReportGroup {
  /** The queue's or agent's id, the channel or tier; null for work with no queue or no agent. */
  key: string | null;
  name: string;
  total: ReportCell;
  /** One per bucket, in the order of `buckets`. */
  buckets: ReportCell[];
}

export interface Report {
  query: ReportQuery;
  /** The period as instants: local `from` 00:00 to local `to + 1` 00:00. */
  start: string;
  end: string;
  settings: MetricSettings;
  definitions: Record<MetricKey, string>;
  buckets: ReportBucket[];
  groups: ReportGroup[];
  /** Every group together. */
  total: ReportCell;
  totalBuckets: ReportCell[];
}

/** The metric columns a report shows, in order, each with the definition key beside it. */
export const REPORT_COLUMNS: { key: keyof ReportCell; title: string; definition: MetricKey; unit: "count" | "share" | "seconds" }[] = [
  { key: "offered", title: "Volume (offered)", definition: "offered", unit: "count" },
  { key: "answered", title: "Answered", definition: "answered", unit: "count" },
  { key: "frt", title: "First response time", definition: "frt", unit: "seconds" },
  { key: "asa", title: "Average speed of answer", definition: "asa", unit: "seconds" },
  { key: "aht", title: "Average handle time", definition: "aht", unit: "seconds" },
  { key: "abandoned", title: "Abandoned", definition: "abandoned", unit: "count" },
  { key: "shortAbandoned", title: "Short abandons", definition: "shortAbandoned", unit: "count" },
  { key: "abandonRate", title: "Abandonment rate", definition: "abandonRate", unit: "share" },
  { key: "serviceLevel", title: "Service level", definition: "serviceLevel", unit: "share" },
  { key: "occupancy", title: "Occupancy", definition: "occupancy", unit: "share" },
  { key: "reopenRate", title: "Reopen rate", definition: "reopenRate", unit: "share" },
  { key: "transfers", title: "Transfers", definition: "transfers", unit: "count" },
];
