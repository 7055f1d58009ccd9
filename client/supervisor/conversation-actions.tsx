import { useState } from "react";
import type { Channel, ConversationStatus, Presence } from "../../shared/domain.ts";
import { supervisorApi } from "../lib/supervisor-api.ts";
import { useBoardAction } from "./use-board-action.ts";
import "./supervisor-actions.css";

export type Props = {
  conversation: { id: string; channel: Channel; status: ConversationStatus; assignedAgentId: string | null; queueId: string | null };
  agents: { id: string; name: string; presence: Presence }[];
  queues: { id: string; name: string }[];
  onDone?: () => void;
};

const presenceWord: Record<Presence, string> = { available: "available", away: "away", busy: "busy", wrap_up: "wrapping up", offline: "offline" };

/** Take, reassign or move a conversation from the live board. Each request says who the board showed as its agent, so a stale board is refused. */
export function ConversationActions({ conversation, agents, queues, onDone }: Props) {
  const [agentId, setAgentId] = useState("");
  const [queueId, setQueueId] = useState("");
  const action = useBoardAction();
  const seen = { fromAgentId: conversation.assignedAgentId };
  const closed = conversation.status === "resolved";
  const others = agents.filter((a) => a.id !== conversation.assignedAgentId);
  const otherQueues = queues.filter((q) => q.id !== conversation.queueId);
  // Past capacity a text conversation may still be given (force); a call line holds one call, so never for voice.
  const full = action.failure?.code === "AGENT_UNAVAILABLE" && (action.failure.details as { reason?: string } | undefined)?.reason === "no_free_capacity";
  const mayForce = full && conversation.channel !== "voice";

  const reassign = (force: boolean) =>
    action.run(() => supervisorApi.reassign(conversation.id, { agentId, ...seen, ...(force ? { force: true } : {}) }), () => {
      setAgentId("");
      onDone?.();
    });

  return (
    <div className="sv-actions" aria-busy={action.busy}>
      <button type="button" className="sv-button sv-button--primary" disabled={closed || action.busy} onClick={() => void action.run(() => supervisorApi.take(conversation.id, seen), onDone)}>
        Take
      </button>
      <div className="sv-actions__group">
        <select className="sv-select" aria-label="Reassign to" value={agentId} onChange={(e) => { setAgentId(e.target.value); action.clear(); }} disabled={closed || action.busy}>
          <option value="">Reassign to…</option>
          {others.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({presenceWord[a.presence]})
            </option>
          ))}
        </select>
        <button type="button" className="sv-button" disabled={closed || action.busy || !agentId} onClick={() => void reassign(false)}>
          Reassign
        </button>
      </div>
      <div className="sv-actions__group">
        <select className="sv-select" aria-label="Move to queue" value={queueId} onChange={(e) => { setQueueId(e.target.value); action.clear(); }} disabled={closed || action.busy}>
          <option value="">Move to queue…</option>
          {otherQueues.map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="sv-button"
          disabled={closed || action.busy || !queueId}
          onClick={() => void action.run(() => supervisorApi.move(conversation.id, queueId, seen), () => { setQueueId(""); onDone?.(); })}
        >
          Move
        </button>
      </div>
      {action.error && (
        <p className="sv-error" role="alert">
          {action.error}
          {mayForce && (
            <button type="button" className="sv-button sv-button--danger" disabled={action.busy} onClick={() => void reassign(true)}>
              Reassign anyway
            </button>
          )}
        </p>
      )}
    </div>
  );
}
