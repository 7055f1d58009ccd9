// The board's alerts, live: critical first; each announced once (its id lasts while its condition does).
import type { BoardAlert } from "../../shared/board.ts";
import { since } from "./board-format.ts";

export function AlertList({ alerts, now }: { alerts: BoardAlert[]; now: number }) {
  if (!alerts.length) return <p className="board-muted" data-testid="board-alerts-empty">No alerts.</p>;
  return (
    <ul className="board-alerts" data-testid="board-alerts" aria-live="polite">
      {alerts.map((a) => (
        <li key={a.id} className={`board-alert board-alert--${a.severity}`} data-testid="board-alert" data-kind={a.kind}>
          <span className="board-alert__text">
            {a.conversationId ? <a href={`#conversation=${a.conversationId}`}>{a.text}</a> : a.text}
          </span>
          <span className="board-muted"> · {since(a.raisedAt, now)} ago</span>
        </li>
      ))}
    </ul>
  );
}
