// After a call the agent is in wrap-up: no new work while they add a disposition and notes, then
// available again — when they say so, or when the wrap-up time runs out.
import type pg from "pg";
import type { ConversationView, WrapUpBody } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";
import { resolveConversation } from "../workspace/resolve-conversation.ts";
import type { WorkQueues } from "../work-queues.ts";

/** The call ended: its agent goes to wrap-up for wrapUpMs. */
export async function startWrapUp(
  deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues; wrapUpMs: number },
  agentId: string,
): Promise<void> {
  const { rows } = await deps.pool.query<AgentRow>(
    `UPDATE agents a SET presence = 'wrap_up', presence_changed_at = now() WHERE id = $1 AND presence IN ('available', 'busy') RETURNING ${AGENT_COLUMNS}`,
    [agentId],
  );
  if (!rows[0]) return;
  await deps.events.publish({ type: "agent.updated", agent: agentView(rows[0]) });
  await deps.queues.endWrapUp(agentId, deps.wrapUpMs);
}

/** Back to available (and so to waiting work) if the agent is still wrapping up. */
export async function endWrapUp(deps: RoutingDeps, agentId: string): Promise<void> {
  const { rows } = await deps.pool.query<AgentRow>(
    `UPDATE agents a SET presence = 'available', presence_changed_at = now() WHERE id = $1 AND presence = 'wrap_up' RETURNING ${AGENT_COLUMNS}`,
    [agentId],
  );
  if (!rows[0]) return;
  await deps.events.publish({ type: "agent.updated", agent: agentView(rows[0]) });
  await deps.queues.agentMayTakeWork(agentId);
}

const DISPOSITION_TEXT: Record<WrapUpBody["disposition"], string> = {
  resolved: "Resolved on the call",
  follow_up: "Needs a follow-up",
  no_answer: "No answer",
  other: "Other",
};

/**
 * The agent records how the call went: a note on the timeline, the conversation resolved, back to work.
 * A supervisor may do it for them: the assigned agent is the one who leaves wrap-up.
 */
export async function finishWrapUp(deps: RoutingDeps, opts: { conversationId: string; actor: Actor } & WrapUpBody): Promise<ConversationView> {
  const wrapped = await withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, opts.actor, opts.conversationId, { lock: true });
    const { rows } = await tx.query<{ customer_id: string; channel: string; assigned_agent_id: string | null }>(
      `SELECT customer_id, channel, assigned_agent_id FROM conversations WHERE id = $1 FOR UPDATE`,
      [opts.conversationId],
    );
    const c = rows[0];
    if (!c) throw new AppError("NOT_FOUND", "No such conversation");
    const note = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
       VALUES ($1, $2, $3, 'internal', 'note', $4, 'received', $5, $6) RETURNING id`,
      [
        opts.conversationId,
        c.customer_id,
        c.channel,
        `${DISPOSITION_TEXT[opts.disposition]}${opts.note ? `: ${opts.note}` : ""}`,
        opts.actor.id,
        JSON.stringify({ disposition: opts.disposition }),
      ],
    );
    return { noteId: note.rows[0]!.id, agentId: c.assigned_agent_id };
  });
  const note = await loadMessage(deps.pool, wrapped.noteId);
  if (note) await deps.events.publish({ type: "message.created", ...note });
  const conversation = await resolveConversation(deps, { conversationId: opts.conversationId, actor: opts.actor });
  if (wrapped.agentId) await endWrapUp(deps, wrapped.agentId);
  return conversation;
}
