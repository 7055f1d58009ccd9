// The agent is done with a conversation: it leaves their load, and their freed capacity pulls waiting work.
import type { ConversationView } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { withTransaction } from "../../db/client.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { loadConversation, loadMessage } from "../queries.ts";

export async function resolveConversation(deps: RoutingDeps, opts: { conversationId: string; agentId: string }): Promise<ConversationView> {
  const resolved = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ status: string; customer_id: string; channel: string; name: string; customer_address: string }>(
      `SELECT cv.status, cv.customer_id, cv.channel, cv.customer_address, a.name FROM conversations cv, agents a
        WHERE cv.id = $1 AND a.id = $2 FOR UPDATE OF cv`,
      [opts.conversationId, opts.agentId],
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
      [opts.conversationId, c.customer_id, c.channel, `${c.name} resolved the conversation`, opts.agentId],
    );
    return { id: ev.rows[0]!.id, agentName: c.name };
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
