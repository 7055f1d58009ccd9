// The supervisors' live board (#board): alerts, queues by channel, the line, and the agents, with the
// actions a supervisor takes from it. It updates from the server within a second of each change;
// supervisors and admins only (the server refuses others).
import { useState } from "react";
import type { AgentView } from "../../shared/api.ts";
import type { BoardSnapshot } from "../../shared/board.ts";
import { useAwayReasons } from "../lib/use-away-reasons.ts";
import { useBoard } from "../lib/use-board.ts";
import { useNow } from "../workspace/common/use-now.ts";
import { AgentActions } from "./agent-actions.tsx";
import { AgentTable } from "./agent-table.tsx";
import { AlertLimits } from "./alert-limits.tsx";
import { AlertList } from "./alert-list.tsx";
import { MonitorControls } from "../workspace/call/monitor-controls.tsx";
import { ConversationActions } from "./conversation-actions.tsx";
import { QueueTable } from "./queue-table.tsx";
import { WaitingList } from "./waiting-list.tsx";
import "./board.css";

export function BoardPage({ agent }: { agent: AgentView }) {
  const state = useBoard();
  return (
    <div className="board" data-testid="board-page">
      <header className="board__bar">
        <div className="board__brand">Switchboard · Live board</div>
        <div className="board__spacer" />
        {state.board && <span className="board-muted" data-testid="board-at" data-at={state.board.at}>as of {new Date(state.board.at).toLocaleTimeString()}</span>}
        <a className="button button--quiet admin-link" href="#reports">Reports</a>
        <a className="button button--quiet admin-link" href="#admin">Team</a>
        <a className="button button--quiet admin-link" href="#" data-testid="back-to-workspace">Back to the workspace</a>
      </header>
      {state.problem && <p className="board__problem" role="alert" data-testid="board-problem">{state.problem}</p>}
      {state.status === "loading" ? (
        !state.problem && <p className="board-muted board__main">Loading the board…</p>
      ) : (
        <BoardSections board={state.board} me={agent} />
      )}
    </div>
  );
}

function BoardSections({ board, me }: { board: BoardSnapshot; me: AgentView }) {
  const now = useNow();
  const [showOffline, setShowOffline] = useState(false);
  const awayReasons = useAwayReasons().filter((r) => r.active);
  // What the action menus offer: every active agent, and the queues the board knows.
  const people = board.agents.map((a) => ({ id: a.id, name: a.name, presence: a.presence }));
  const queues = [...new Map(board.queues.map((q) => [q.queueId, { id: q.queueId, name: q.queueName }])).values()];
  return (
    <main className="board__main">
      <section className="board__section">
        <h2>Alerts <span className="board-count" data-testid="board-alert-count">{board.alerts.length}</span></h2>
        <AlertList alerts={board.alerts} now={now} />
        <details className="board__limits">
          <summary>Alert limits</summary>
          <AlertLimits canManage={me.role === "admin"} />
        </details>
      </section>
      <section className="board__section">
        <h2>Queues</h2>
        <QueueTable queues={board.queues} definitions={board.definitions} now={now} />
      </section>
      <section className="board__section">
        <h2>Waiting <span className="board-count">{board.waiting.length}</span></h2>
        <WaitingList
          waiting={board.waiting}
          queues={board.queues}
          agents={board.agents}
          now={now}
          actions={(w) => (
            <ConversationActions conversation={{ id: w.conversationId, channel: w.channel, status: w.status, assignedAgentId: null, queueId: w.queueId }} agents={people} queues={queues} />
          )}
        />
      </section>
      <section className="board__section">
        <h2>
          Agents
          <label className="board__toggle">
            <input type="checkbox" checked={showOffline} onChange={(e) => setShowOffline(e.target.checked)} /> show offline
          </label>
        </h2>
        <AgentTable
          agents={board.agents}
          now={now}
          showOffline={showOffline}
          actions={(a) => (a.id === me.id ? null : <AgentActions agent={a} awayReasons={awayReasons} />)}
          conversationActions={(c, a) => (
            <>
              <ConversationActions conversation={{ id: c.id, channel: c.channel, status: c.status, assignedAgentId: a.id, queueId: c.queueId }} agents={people} queues={queues} />
              {c.channel === "voice" && a.id !== me.id && <MonitorControls conversationId={c.id} selfId={me.id} />}
            </>
          )}
        />
      </section>
      <section className="board__section">
        <details data-testid="board-definitions">
          <summary>How each figure is counted</summary>
          <dl className="board-definitions">
            {Object.entries(board.definitions).map(([metric, text]) => (
              <div key={metric}><dt>{metric}</dt><dd>{text}</dd></div>
            ))}
          </dl>
        </details>
      </section>
    </main>
  );
}
