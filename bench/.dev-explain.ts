import pg from "pg";
import { handlingRows, occupancyRows, responseRows, waitRows } from "../server/domain/reports/report-sql.ts";
const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:5432/sb_reports_dev", max: 2 });
const explain = new Proxy(pool, { get(t, p, r) { if (p === "query") return async (text: string, values: unknown[]) => {
  const t0 = performance.now();
  const res = await t.query("EXPLAIN (ANALYZE, BUFFERS) " + text, values);
  console.log(`--- ${(performance.now() - t0).toFixed(0)} ms`); console.log(res.rows.map((x) => x["QUERY PLAN"]).join("\n").slice(0, Number(process.env.PLAN ?? 1500)));
  return { rows: [] }; }; return Reflect.get(t, p, r); } }) as pg.Pool;
const args = ["2026-03-01", "2026-03-31", "America/New_York"];
const which = process.argv[2] ?? "all";
if (which === "all" || which === "waits") await waitRows(explain, args, "queue", "day");
if (which === "all" || which === "handling") await handlingRows(explain, args, "queue", "day");
if (which === "all" || which === "responses") await responseRows(explain, args, "queue", "day");
if (which === "all" || which === "occupancy") await occupancyRows(explain, args, "day");
await pool.end();
