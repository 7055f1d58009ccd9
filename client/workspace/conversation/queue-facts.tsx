// Where a conversation waits and when it breaches, and the control that hands it to another queue.
import { useState } from "react";
import type { AgentRole } from "../../../shared/domain.ts";
import type { ConversationView } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { useQueues } from "../../lib/use-queues.ts";

const WAITING = new Set(["queued", "offered"]);
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export function QueueFacts({ conversation }: { conversation: ConversationView }) {
  if (!conversation.queue) return null;
  const overdue = conversation.dueAt !== null && new Date(conversation.dueAt).getTime() < Date.now();
  return (
    <span className="conversation-header__queue" data-testid="conversation-queue">
      {conversation.queue.name}
      {conversation.dueAt && WAITING.has(conversation.status) && (
        <span className={overdue ? "due due--late" : "due"}> · {overdue ? "overdue since" : "due"} {clock(conversation.dueAt)}</span>
      )}
    </span>
  );
}

type MoveProps = {
  conversation: ConversationView;
  agent: { id: string; role: AgentRole };
  onMove: (queueId: string) => Promise<unknown>;
};

/** Offered where the table allows it: the assigned agent for their own, a supervisor or admin for any. */
export function MoveToQueue({ conversation, agent, onMove }: MoveProps) {
  const queues = useQueues();
  const [error, setError] = useState<string | null>(null);
  const [moving, setMoving] = useState(false);
  const mayMove = agent.role !== "agent" || conversation.assignedAgentId === agent.id;
  // A call on the line moves with the call controls (the caller hears the hold message).
  const movable = conversation.status !== "resolved" && (conversation.channel !== "voice" || WAITING.has(conversation.status));
  const others = queues.filter((q) => q.id !== conversation.queue?.id);
  if (!mayMove || !movable || others.length === 0) return null;

  async function move(queueId: string) {
    setMoving(true);
    setError(null);
    try {
      await onMove(queueId);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setMoving(false);
    }
  }

  return (
    <>
      <select
        className="presence__select"
        aria-label="Move to queue"
        data-testid="move-to-queue"
        value=""
        disabled={moving}
        onChange={(e) => e.target.value && void move(e.target.value)}
      >
        <option value="">{moving ? "Moving…" : "Move to queue…"}</option>
        {others.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
          </option>
        ))}
      </select>
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
