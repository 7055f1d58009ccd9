// Per agent: state and time in it (with the away reason), load per channel against capacity, and what
// they handle now with its age.
import { useState, type ReactNode } from "react";
import type { BoardAgentConversation, BoardAgentRow } from "../../shared/board.ts";
import { CHANNEL_LABEL, PRESENCE_LABEL, since } from "./board-format.ts";

type Props = {
  agents: BoardAgentRow[];
  now: number;
  showOffline: boolean;
  actions?: (agent: BoardAgentRow) => ReactNode;
  conversationActions?: (conversation: BoardAgentConversation, agent: BoardAgentRow) => ReactNode;
};

export function AgentTable({ agents, now, showOffline, actions, conversationActions }: Props) {
  const shown = showOffline ? agents : agents.filter((a) => a.presence !== "offline" || a.conversations.length);
  return (
    <table className="board-table" data-testid="board-agents">
      <thead>
        <tr><th>Agent</th><th>State</th><th>In state</th><th>Load</th><th>Handling now</th>{actions && <th />}</tr>
      </thead>
      <tbody>
        {shown.map((a) => (
          <tr key={a.id} data-testid="board-agent-row" data-agent={a.id}>
            <td>{a.name}{a.role !== "agent" && <span className="board-muted"> · {a.role}</span>}</td>
            <td data-metric="presence">
              <span className={`board-state board-state--${a.presence}`}>{PRESENCE_LABEL[a.presence] ?? a.presence}</span>
              {a.awayReason && <span className="board-muted"> ({a.awayReason})</span>}
            </td>
            <td data-metric="inState">{since(a.since, now)}</td>
            <td data-metric="load">
              {a.loads.filter((l) => l.capacity > 0 || l.assigned > 0).map((l) => (
                <span key={l.channel} className={l.assigned + l.offered >= l.capacity ? "board-load board-load--full" : "board-load"} data-channel={l.channel}>
                  {CHANNEL_LABEL[l.channel]} {l.assigned}{l.offered ? `+${l.offered}` : ""}/{l.capacity}
                </span>
              ))}
            </td>
            <td>
              <ul className="board-handling">
                {a.conversations.map((c) => (
                  <li key={c.id} data-testid="board-handling" data-conversation={c.id}>
                    <a href={`#conversation=${c.id}`}>{c.customerName}</a> · {CHANNEL_LABEL[c.channel]} · {since(c.since, now)}
                    {c.status === "pending_customer" && <span className="board-muted"> (waiting for the customer)</span>}
                    {conversationActions && <ActDisclosure>{() => conversationActions(c, a)}</ActDisclosure>}
                  </li>
                ))}
              </ul>
            </td>
            {actions && <td>{actions(a)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "Act" opens a conversation's actions; they mount only while open (a call's monitor list is fetched then). */
function ActDisclosure({ children }: { children: () => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="board-act" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Act</summary>
      {open && children()}
    </details>
  );
}
