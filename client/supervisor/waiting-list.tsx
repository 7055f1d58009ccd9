// The line: conversations waiting for an agent, soonest due first, with how long they have waited and
// how long until (or since) their target.
import type { ReactNode } from "react";
import type { BoardAgentRow, BoardQueueRow, BoardWaitingItem } from "../../shared/board.ts";
import { CHANNEL_LABEL, duration, since } from "./board-format.ts";

type Props = {
  waiting: BoardWaitingItem[];
  queues: BoardQueueRow[];
  agents: BoardAgentRow[];
  now: number;
  actions?: (item: BoardWaitingItem) => ReactNode;
};

export function WaitingList({ waiting, queues, agents, now, actions }: Props) {
  const queueName = new Map(queues.map((q) => [q.queueId, q.queueName]));
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  if (!waiting.length) return <p className="board-muted" data-testid="board-waiting-empty">Nobody is waiting.</p>;
  return (
    <table className="board-table" data-testid="board-waiting">
      <thead>
        <tr><th>Customer</th><th>Channel</th><th>Queue</th><th>Tier</th><th>Waiting</th><th>Target</th><th>Offered to</th>{actions && <th />}</tr>
      </thead>
      <tbody>
        {waiting.map((w) => {
          const left = w.dueAt ? Date.parse(w.dueAt) - now : null;
          return (
            <tr key={w.conversationId} data-testid="board-waiting-row" data-conversation={w.conversationId} className={left !== null && left <= 0 ? "board-row--breached" : undefined}>
              <td><a href={`#conversation=${w.conversationId}`}>{w.customerName}</a></td>
              <td>{CHANNEL_LABEL[w.channel]}</td>
              <td>{w.queueId ? queueName.get(w.queueId) ?? "—" : "—"}</td>
              <td><span className={`board-tier board-tier--${w.tier}`}>{w.tier}</span></td>
              <td>{since(w.waitingSince, now)}</td>
              <td className={left !== null && left <= 0 ? "board-bad" : undefined}>{left === null ? "—" : left > 0 ? `due in ${duration(left)}` : `late ${duration(-left)}`}</td>
              <td>{w.offeredToAgentId ? agentName.get(w.offeredToAgentId) ?? "an agent" : "—"}</td>
              {actions && <td>{actions(w)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
