// The report's period (local dates), time zone, grouping and bucket size.
import type { ReportGroupBy, ReportInterval } from "../../../shared/reports.ts";
import type { ReportParams } from "./reports-api.ts";

export type Props = { params: ReportParams; onChange: (next: ReportParams) => void };

const GROUPS: [ReportGroupBy, string][] = [["queue", "Queue"], ["channel", "Channel"], ["agent", "Agent"], ["tier", "Tier"]];
const zones = (): string[] => (typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []);

export function ReportFilters({ params, onChange }: Props) {
  const set = (patch: Partial<ReportParams>) => onChange({ ...params, ...patch });
  return (
    <form className="report-filters" onSubmit={(e) => e.preventDefault()} data-testid="report-filters">
      <label>
        From
        <input className="input" type="date" value={params.from} max={params.to} onChange={(e) => e.target.value && set({ from: e.target.value })} data-testid="report-from" />
      </label>
      <label>
        To
        <input className="input" type="date" value={params.to} min={params.from} onChange={(e) => e.target.value && set({ to: e.target.value })} data-testid="report-to" />
      </label>
      <label>
        Time zone
        <input className="input" list="report-zones" value={params.timeZone} onChange={(e) => set({ timeZone: e.target.value })} data-testid="report-time-zone" />
        <datalist id="report-zones">
          {zones().map((z) => <option key={z} value={z} />)}
        </datalist>
      </label>
      <label>
        Group by
        <select className="input" value={params.groupBy} onChange={(e) => set({ groupBy: e.target.value as ReportGroupBy })} data-testid="report-group-by">
          {GROUPS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
        </select>
      </label>
      <label>
        Buckets
        <select className="input" value={params.interval} onChange={(e) => set({ interval: e.target.value as ReportInterval })} data-testid="report-interval">
          <option value="day">Days</option>
          <option value="hour">Hours</option>
        </select>
      </label>
    </form>
  );
}
