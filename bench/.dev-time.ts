import { createDb } from "../server/db/client.ts";
import { buildReport } from "../server/domain/reports/build-report.ts";
const db = createDb("postgres://postgres@127.0.0.1:5432/sb_reports_dev", { max: 6 });
const actor = { id: "x", role: "supervisor" as const, name: "b" };
for (const groupBy of ["queue", "agent"] as const) for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await buildReport(db, actor, { from: "2026-03-01", to: "2026-03-31", timeZone: "America/New_York", groupBy, interval: "day" });
  console.log(groupBy, (performance.now() - t0).toFixed(0));
}
await db.close();
