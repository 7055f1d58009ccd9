// A report as CSV: one row per group and bucket (and each group's total), then the definitions the
// figures were counted by, as a second section. Streamed through csv-stringify.
import { stringify, type Stringifier } from "csv-stringify";
import { REPORT_COLUMNS, type Report, type ReportCell } from "../../../shared/reports.ts";

const figure = (cell: ReportCell, key: keyof ReportCell): string => {
  const v = cell[key];
  if (v === null) return "";
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
};

/** Writes the report into a csv-stringify stream (pipe it to the response) and ends it. */
export function reportCsv(report: Report): Stringifier {
  const out = stringify();
  const header = ["group", "bucket_start", "bucket_label", ...REPORT_COLUMNS.map((c) => `${c.key}${c.unit === "seconds" ? "_seconds" : ""}`)];
  const rowOf = (group: string, start: string, label: string, cell: ReportCell) => [group, start, label, ...REPORT_COLUMNS.map((c) => figure(cell, c.key))];
  // Written a row at a time so a long report streams rather than building one string.
  queueMicrotask(() => {
    out.write(header);
    for (const g of report.groups) {
      g.buckets.forEach((cell, i) => out.write(rowOf(g.name, report.buckets[i]!.start, report.buckets[i]!.label, cell)));
      out.write(rowOf(g.name, report.start, "total", g.total));
    }
    out.write(rowOf("all", report.start, "total", report.total));
    out.write([]);
    out.write(["metric", "definition"]);
    for (const c of REPORT_COLUMNS) out.write([c.key, report.definitions[c.definition]]);
    out.write(["period", `${report.query.from} to ${report.query.to} in ${report.query.timeZone} (${report.start} to ${report.end})`]);
    out.end();
  });
  return out;
}
