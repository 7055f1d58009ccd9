// Reports (JSON and CSV) and the metric settings they count by.
import { Router } from "express";
import { MetricSettingsInput } from "../../shared/metrics.ts";
import { ReportQuery } from "../../shared/reports.ts";
import { buildReport, type ReportDeps } from "../domain/reports/build-report.ts";
import { reportCsv } from "../domain/reports/report-csv.ts";
import { getMetricSettings, updateMetricSettings } from "../domain/metrics/metric-settings.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export function reportRouter(deps: ReportDeps): Router {
  const router = Router();
  router.get("/reports", async (req, res) => {
    res.json(await buildReport(deps, signedInAgent(req), parseInput(ReportQuery, req.query)));
  });
  router.get("/reports.csv", async (req, res) => {
    const query = parseInput(ReportQuery, req.query);
    const report = await buildReport(deps, signedInAgent(req), query);
    res.setHeader("content-type", "text/csv; charset=utf-8");
    res.setHeader("content-disposition", `attachment; filename="report-${query.groupBy}-${query.from}-${query.to}.csv"`);
    reportCsv(report).pipe(res);
  });
  router.get("/metric-settings", async (req, res) => {
    res.json({ settings: await getMetricSettings(deps, signedInAgent(req)) });
  });
  router.put("/metric-settings", async (req, res) => {
    res.json({ settings: await updateMetricSettings(deps, signedInAgent(req), parseInput(MetricSettingsInput, req.body)) });
  });
  return router;
}
