// The reports screen's REST calls: the report (checked against a schema of its shape, like client/lib/api.ts)
// and the CSV download's address.
import { z } from "zod";
import type { Report, ReportGroupBy, ReportInterval } from "../../../shared/reports.ts";
import { request } from "../../lib/api.ts";

export interface ReportParams { from: string; to: string; timeZone: string; groupBy: ReportGroupBy; interval: ReportInterval }

const Cell = z.record(z.string(), z.number().nullable());
const ReportResponse = z.object({
  query: z.object({ from: z.string(), to: z.string(), timeZone: z.string(), groupBy: z.string(), interval: z.string() }),
  start: z.string(),
  end: z.string(),
  settings: z.object({ shortAbandonSeconds: z.number(), abandonsWithinTarget: z.string(), callbacks: z.string() }),
  definitions: z.record(z.string(), z.string()),
  buckets: z.array(z.object({ start: z.string(), end: z.string(), label: z.string() })),
  groups: z.array(z.object({ key: z.string().nullable(), name: z.string(), total: Cell, buckets: z.array(Cell) })),
  total: Cell,
  totalBuckets: z.array(Cell),
}).passthrough();

const query = (p: ReportParams) => new URLSearchParams({ ...p }).toString();

export const reportsApi = {
  report: (p: ReportParams) => request(`/api/reports?${query(p)}`, { schema: ReportResponse }) as unknown as Promise<Report>,
  csvHref: (p: ReportParams) => `/api/reports.csv?${query(p)}`,
};
