// Per queue and channel: what waits now and how today went, each figure's definition in its heading.
import type { BoardQueueRow } from "../../shared/board.ts";
import type { MetricKey } from "../../shared/metrics.ts";
import { CHANNEL_LABEL, duration, share, since } from "./board-format.ts";

type Props = { queues: BoardQueueRow[]; definitions: Record<MetricKey, string>; now: number };

const TIERS = ["platinum", "gold", "standard"] as const;

const quiet = (q: BoardQueueRow) => !q.waiting && !q.inProgress && !q.offered && !q.answered && !q.abandoned;

export function QueueTable({ queues, definitions, now }: Props) {
  const byQueue = new Map<string, BoardQueueRow[]>();
  for (const q of queues) byQueue.set(q.queueId, [...(byQueue.get(q.queueId) ?? []), q]);
  const head = (label: string, metric: MetricKey) => <th title={definitions[metric]} data-definition={metric}>{label}</th>;
  return (
    <table className="board-table" data-testid="board-queues">
      <thead>
        <tr>
          <th>Queue</th>
          <th>Channel</th>
          {head("Waiting", "waiting")}
          {head("Longest wait", "longestWait")}
          {head("Due soon", "dueSoon")}
          {head("Breached", "breached")}
          {head("In progress", "inProgress")}
          {head("Offered", "offered")}
          {head("Answered", "answered")}
          {head("Abandoned", "abandoned")}
          {head("ASA", "asa")}
          {TIERS.map((t) => <th key={t} title={definitions.serviceLevel} data-definition="serviceLevel">SL {t}</th>)}
        </tr>
      </thead>
      <tbody>
        {[...byQueue.values()].map((rows) => {
          const shown = rows.filter((r) => !quiet(r));
          const list = shown.length ? shown : rows.slice(0, 1);
          return list.map((q, i) => (
            <tr key={q.key} data-testid="board-queue-row" data-queue={q.queueId} data-channel={q.channel} className={q.breached ? "board-row--breached" : undefined}>
              {i === 0 && <th rowSpan={list.length} className="board-table__queue" title={`Today: since midnight, ${q.timezone}`}>{q.queueName}</th>}
              <td>{shown.length ? CHANNEL_LABEL[q.channel] : <span className="board-muted">nothing today</span>}</td>
              <td data-metric="waiting" className={q.waiting ? "board-strong" : undefined}>{q.waiting}</td>
              <td data-metric="longestWait">{since(q.oldestWaitingSince, now)}</td>
              <td data-metric="dueSoon" className={q.dueSoon ? "board-warn" : undefined}>{q.dueSoon}</td>
              <td data-metric="breached" className={q.breached ? "board-bad" : undefined}>{q.breached}</td>
              <td data-metric="inProgress">{q.inProgress}</td>
              <td data-metric="offered">{q.offered}</td>
              <td data-metric="answered">{q.answered}</td>
              <td data-metric="abandoned">{q.abandoned}{q.shortAbandoned ? <span className="board-muted" title={definitions.shortAbandoned}> +{q.shortAbandoned} short</span> : null}</td>
              <td data-metric="asa">{q.asaSeconds === null ? "—" : duration(q.asaSeconds * 1000)}</td>
              {TIERS.map((t) => {
                const level = q.tiers.find((x) => x.tier === t);
                return (
                  <td key={t} data-metric={`sl-${t}`} title={level ? `${level.met} of ${level.counted} within the target` : undefined}>
                    {level ? share(level.met, level.counted) : "—"}
                  </td>
                );
              })}
            </tr>
          ));
        })}
      </tbody>
    </table>
  );
}
