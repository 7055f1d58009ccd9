// Reports (supervisors and admins, #reports): a period in a time zone, by queue, channel, agent or tier;
// a chart of volume and service level per bucket, every metric with its definition, and the CSV.
import { useEffect, useState } from "react";
import type { Report } from "../../../shared/reports.ts";
import { errorMessage } from "../../lib/api.ts";
import { ReportChart } from "./report-chart.tsx";
import { ReportFilters } from "./report-filters.tsx";
import { ReportTable } from "./report-table.tsx";
import { reportsApi, type ReportParams } from "./reports-api.ts";
import "./reports.css";

/** A local date (YYYY-MM-DD) in the zone, `daysBack` days before today there. */
function localDate(timeZone: string, daysBack = 0): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(Date.now() - daysBack * 86_400_000);
}

function initialParams(): ReportParams {
  const hash = new URLSearchParams(location.hash.slice(1));
  const timeZone = hash.get("timeZone") ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    from: hash.get("from") ?? localDate(timeZone, 6),
    to: hash.get("to") ?? localDate(timeZone),
    timeZone,
    groupBy: (hash.get("groupBy") as ReportParams["groupBy"]) ?? "queue",
    interval: (hash.get("interval") as ReportParams["interval"]) ?? "day",
  };
}

export function ReportsPage() {
  const [params, setParams] = useState(initialParams);
  const [report, setReport] = useState<Report | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let current = true;
    setLoading(true);
    reportsApi.report(params).then(
      (r) => current && (setReport(r), setProblem(null)),
      (err) => current && setProblem(errorMessage(err)),
    ).finally(() => current && setLoading(false));
    return () => void (current = false);
  }, [params]);

  return (
    <div className="reports" data-testid="reports-page">
      <header className="reports__bar">
        <div className="reports__brand">Switchboard · Reports</div>
        <div className="reports__spacer" />
        <a className="button button--quiet" href="#" data-testid="reports-back">Back to the workspace</a>
      </header>
      <main className="reports__main">
        <section className="reports__section">
          <ReportFilters params={params} onChange={setParams} />
          <a className="button" href={reportsApi.csvHref(params)} download data-testid="report-csv">Download CSV</a>
          {loading && <span className="reports__notice" data-testid="report-loading">Loading…</span>}
        </section>
        {problem && <p className="reports__error" role="alert" data-testid="report-problem">{problem}</p>}
        {report && (
          <>
            <p className="reports__notice" data-testid="report-period">
              {report.query.from} to {report.query.to} in {report.query.timeZone}: {report.buckets.length} {report.query.interval === "hour" ? "hours" : "days"}
              {" · "}short abandon under {report.settings.shortAbandonSeconds} s, abandons within target count {report.settings.abandonsWithinTarget === "neither" ? "as neither" : report.settings.abandonsWithinTarget === "for" ? "for it" : "against it"}, callbacks {report.settings.callbacks}
            </p>
            <section className="reports__section"><ReportChart report={report} /></section>
            <section className="reports__section"><ReportTable report={report} /></section>
          </>
        )}
      </main>
    </div>
  );
}
