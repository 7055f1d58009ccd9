// The agent is done with a conversation: it leaves their load, and their freed capacity pulls waiting work.
import type { ConversationView } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { withTransaction } from "../../db/client.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { loadConversation, loadMessage } from "../queries.ts";

/** Resolves (for a chat: ends) the conversation: its assigned agent, or a supervisor or admin. */
export async function resolveConversation(deps: RoutingDeps, opts: { conversationId: string; actor: Actor }): Promise<ConversationView> {
  const resolved = await withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, opts.actor, opts.conversationId, { lock: true });
    const { rows } = await tx.query<{ status: string; customer_id: string; channel: string; customer_address: string }>(
      `SELECT cv.status, cv.customer_id, cv.channel, cv.customer_address FROM conversations cv WHERE cv.id = $1`,
      [opts.conversationId],
    );
    const c = rows[0];
    if (!c) throw new AppError("NOT_FOUND", "No such conversation");
    if (c.status === "resolved") return null;
    await tx.query(
      `UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE conversation_id = $1 AND status = 'pending'`,
      [opts.conversationId],
    );
    await tx.query(
      `UPDATE conversations SET status = 'resolved', resolved_at = now(), waiting_since = NULL, updated_at = now() WHERE id = $1`,
      [opts.conversationId],
    );
    const ev = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
       VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5, '{"event":"resolved"}') RETURNING id`,
      [opts.conversationId, c.customer_id, c.channel, `${opts.actor.name} resolved the conversation`, opts.actor.id],
    );
    return { id: ev.rows[0]!.id, agentName: opts.actor.name };
  });
  const conversation = (await loadConversation(deps.pool, opts.conversationId))!;
  if (resolved) {
    const message = await loadMessage(deps.pool, resolved.id);
    await deps.events.publish(
      { type: "conversation.updated", conversation },
      ...(message ? [{ type: "message.created" as const, ...message }] : []),
      // A chat visitor sees the chat end and may start again (a chat's customer address is the visitor id).
      ...(conversation.channel === "chat" ? [{ type: "chat.ended" as const, visitorId: conversation.customerAddress, by: resolved.agentName }] : []),
    );
    if (conversation.assignedAgentId) await deps.queues.agentMayTakeWork(conversation.assignedAgentId);
  }
  return conversation;
}
