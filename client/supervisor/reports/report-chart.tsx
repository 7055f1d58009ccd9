// Volume (offered) as bars and service level as a line, per bucket of the report (recharts).
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Report } from "../../../shared/reports.ts";

export type Props = { report: Report };

export function ReportChart({ report }: Props) {
  const data = report.buckets.map((b, i) => {
    const cell = report.totalBuckets[i]!;
    return { label: b.label, offered: cell.offered, serviceLevel: cell.serviceLevel === null ? null : Math.round(cell.serviceLevel * 1000) / 10 };
  });
  return (
    <figure className="report-chart" data-testid="report-chart">
      <figcaption>Volume and service level per {report.query.interval === "hour" ? "hour" : "day"}</figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ea" />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={16} />
          <YAxis yAxisId="volume" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis yAxisId="sl" orientation="right" domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend />
          <Bar yAxisId="volume" dataKey="offered" name="Volume (offered)" fill="#5b8def" isAnimationActive={false} />
          <Line yAxisId="sl" dataKey="serviceLevel" name="Service level (%)" stroke="#e07b39" strokeWidth={2} connectNulls isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}
