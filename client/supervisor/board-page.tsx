// The supervisors' live board (#board): alerts, queues by channel, the line, and the agents. It updates
// from the server within a second of each change; supervisors and admins only (the server refuses others).
import { useState } from "react";
import type { AgentView } from "../../shared/api.ts";
import { useBoard, useNow } from "../lib/use-board.ts";
import { AgentTable } from "./agent-table.tsx";
import { AlertLimits } from "./alert-limits.tsx";
import { AlertList } from "./alert-list.tsx";
import { QueueTable } from "./queue-table.tsx";
import { WaitingList } from "./waiting-list.tsx";
import "./board.css";

export function BoardPage({ agent }: { agent: AgentView }) {
  const state = useBoard();
  const now = useNow();
  const [showOffline, setShowOffline] = useState(false);
  return (
    <div className="board" data-testid="board-page">
      <header className="board__bar">
        <div className="board__brand">Switchboard · Live board</div>
        <div className="board__spacer" />
        {state.board && <span className="board-muted" data-testid="board-at" data-at={state.board.at}>as of {new Date(state.board.at).toLocaleTimeString()}</span>}
        {agent.role !== "agent" && <a className="button button--quiet admin-link" href="#admin">Team</a>}
        <a className="button button--quiet admin-link" href="#" data-testid="back-to-workspace">Back to the workspace</a>
      </header>
      {state.problem && <p className="board__problem" role="alert" data-testid="board-problem">{state.problem}</p>}
      {state.status === "loading" ? (
        !state.problem && <p className="board-muted board__main">Loading the board…</p>
      ) : (
        <main className="board__main">
          <section className="board__section">
            <h2>Alerts <span className="board-count" data-testid="board-alert-count">{state.board.alerts.length}</span></h2>
            <AlertList alerts={state.board.alerts} now={now} />
            <details className="board__limits">
              <summary>Alert limits</summary>
              <AlertLimits canManage={agent.role === "admin"} />
            </details>
          </section>
          <section className="board__section">
            <h2>Queues</h2>
            <QueueTable queues={state.board.queues} definitions={state.board.definitions} now={now} />
          </section>
          <section className="board__section">
            <h2>Waiting <span className="board-count">{state.board.waiting.length}</span></h2>
            <WaitingList waiting={state.board.waiting} queues={state.board.queues} agents={state.board.agents} now={now} />
          </section>
          <section className="board__section">
            <h2>
              Agents
              <label className="board__toggle">
                <input type="checkbox" checked={showOffline} onChange={(e) => setShowOffline(e.target.checked)} /> show offline
              </label>
            </h2>
            <AgentTable agents={state.board.agents} now={now} showOffline={showOffline} />
          </section>
          <section className="board__section">
            <details data-testid="board-definitions">
              <summary>How each figure is counted</summary>
              <dl className="board-definitions">
                {Object.entries(state.board.definitions).map(([metric, text]) => (
                  <div key={metric}><dt>{metric}</dt><dd>{text}</dd></div>
                ))}
              </dl>
            </details>
          </section>
        </main>
      )}
    </div>
  );
}
