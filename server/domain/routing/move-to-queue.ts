// Moving a conversation to another queue. A waiting one keeps its place by waiting time: waiting_since
// stays, and its due time follows from the new queue's target. One being handled (its agent hands it on)
// starts waiting now in the new queue. Who may: the assigned agent for their own, a supervisor for any.
import type { ConversationView } from "../../../shared/api.ts";
import type { ConversationStatus } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { DomainEvent } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { RoutingDeps } from "./match.ts";
import { moveToQueueRow } from "./overflow.ts";

const WAITING: ConversationStatus[] = ["queued", "offered"];

export async function moveToQueue(
  deps: RoutingDeps,
  actor: Actor,
  opts: { conversationId: string; queueId: string },
): Promise<ConversationView> {
  const moved = await withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, actor, opts.conversationId, { lock: true });
    const { rows } = await tx.query<{
      status: ConversationStatus; channel: string; customer_id: string; queue_id: string | null; assigned_agent_id: string | null; queue_name: string | null;
    }>(
      `SELECT cv.status, cv.channel, cv.customer_id, cv.queue_id, cv.assigned_agent_id, q.name AS queue_name
         FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id WHERE cv.id = $1`,
      [opts.conversationId],
    );
    const c = rows[0]!;
    if (c.status === "resolved") throw new AppError("CONFLICT", "This conversation is resolved: there is nothing to move");
    if (c.channel === "voice" && !WAITING.includes(c.status)) {
      throw new AppError("CONFLICT", "A call on the line moves with the call's own transfer to a queue, so the caller hears the hold message");
    }
    const target = await tx.query<{ name: string }>(`SELECT name FROM queues WHERE id = $1`, [opts.queueId]);
    if (!target.rows[0]) throw new AppError("NOT_FOUND", "No such queue");
    if (c.queue_id === opts.queueId) throw new AppError("VALIDATION", "queueId: the conversation is in this queue already");

    const withdrawn = await tx.query<{ id: string; agent_id: string }>(
      `UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE conversation_id = $1 AND status = 'pending' RETURNING id, agent_id`,
      [opts.conversationId],
    );
    // Handled work goes back in line, waiting from now; waiting work keeps its waiting_since.
    await tx.query(
      `UPDATE conversations SET status = 'queued', assigned_agent_id = NULL, updated_at = now(),
              waiting_since = CASE WHEN status IN ('queued', 'offered') THEN waiting_since ELSE now() END
        WHERE id = $1`,
      [opts.conversationId],
    );
    const text = `${actor.name} moved the conversation from ${c.queue_name ?? "no queue"} to ${target.rows[0].name}`;
    const eventMessageId = await moveToQueueRow(
      tx,
      { id: opts.conversationId, customer_id: c.customer_id, channel: c.channel, queue_id: c.queue_id },
      { toQueueId: opts.queueId, text, reason: "moved", actorId: actor.id },
    );
    await recordAudit(tx, {
      actorId: actor.id,
      action: "conversation_moved",
      entityType: "conversation",
      entityId: opts.conversationId,
      data: { fromQueueId: c.queue_id, toQueueId: opts.queueId, status: c.status },
    });
    return { eventMessageId, withdrawn: withdrawn.rows, previousAgentId: c.assigned_agent_id };
  });

  const [conversation, message] = await Promise.all([loadConversation(deps.pool, opts.conversationId), loadMessage(deps.pool, moved.eventMessageId)]);
  const events: DomainEvent[] = moved.withdrawn.map((o) => ({
    type: "offer.closed" as const, offerId: o.id, agentId: o.agent_id, conversationId: opts.conversationId, status: "withdrawn" as const,
  }));
  if (conversation) events.push({ type: "conversation.updated", conversation });
  if (message) events.push({ type: "message.created", ...message });
  await deps.events.publish(...events);
  const { rows } = await deps.pool.query<{ priority: number }>(`SELECT priority FROM conversations WHERE id = $1`, [opts.conversationId]);
  await deps.queues.routeConversation(opts.conversationId, rows[0]?.priority ?? 100);
  // Whoever had it, or had it offered, has room again.
  for (const agentId of new Set([moved.previousAgentId, ...moved.withdrawn.map((o) => o.agent_id)])) {
    if (agentId) await deps.queues.agentMayTakeWork(agentId);
  }
  return conversation!;
}
