// Every metric of the report, one row each with its definition beside it, a column per group and the
// total of all groups first.
import { REPORT_COLUMNS, type Report, type ReportCell } from "../../../shared/reports.ts";

export type Props = { report: Report };

function shown(cell: ReportCell, key: keyof ReportCell, unit: "count" | "share" | "seconds"): string {
  const v = cell[key];
  if (v === null) return "—";
  if (unit === "share") return `${(v * 100).toFixed(1)}%`;
  if (unit === "seconds") return v >= 60 ? `${Math.floor(v / 60)} min ${Math.round(v % 60)} s` : `${v.toFixed(1)} s`;
  return v.toLocaleString();
}

export function ReportTable({ report }: Props) {
  return (
    <div className="report-table__scroll">
      <table className="report-table" data-testid="report-table">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Definition</th>
            <th scope="col">All</th>
            {report.groups.map((g) => (
              <th scope="col" key={g.key ?? "none"} data-testid="report-group">{g.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {REPORT_COLUMNS.map((c) => (
            <tr key={c.key} data-testid={`report-row-${c.key}`}>
              <th scope="row">{c.title}</th>
              <td className="report-table__definition" data-testid="report-definition">{report.definitions[c.definition]}</td>
              <td className="report-table__figure">{shown(report.total, c.key, c.unit)}</td>
              {report.groups.map((g) => (
                <td className="report-table__figure" key={g.key ?? "none"}>{shown(g.total, c.key, c.unit)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
