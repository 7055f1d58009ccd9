// Moving a conversation to another queue. A waiting one keeps its place by waiting time: waiting_since
// stays, and its due time follows from the new queue's target. One being handled (its agent hands it on)
// starts waiting now in the new queue. Who may: the assigned agent for their own, a supervisor for any
// (and a supervisor from the live board: server/domain/supervision/, which shares the rows and the announcement).
import type pg from "pg";
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

/** What a move changed, for its audit row and its announcement after commit. */
export interface QueueMove {
  conversationId: string;
  before: { status: ConversationStatus; queueId: string | null; assignedAgentId: string | null };
  toQueue: { id: string; name: string };
  eventMessageId: string;
  withdrawn: { id: string; agent_id: string }[];
}

/** The move's rows, in the caller's transaction, which holds the conversation's row lock and has authorised. */
export async function moveToQueueRows(tx: pg.PoolClient, actor: Actor, opts: { conversationId: string; queueId: string }): Promise<QueueMove> {
  const { rows } = await tx.query<{
    status: ConversationStatus; channel: string; customer_id: string; queue_id: string | null; assigned_agent_id: string | null; queue_name: string | null;
  }>(
    `SELECT cv.status, cv.channel, cv.customer_id, cv.queue_id, cv.assigned_agent_id, q.name AS queue_name
       FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id WHERE cv.id = $1`,
    [opts.conversationId],
  );
  const c = rows[0];
  if (!c) throw new AppError("NOT_FOUND", "No such conversation");
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
  return {
    conversationId: opts.conversationId,
    before: { status: c.status, queueId: c.queue_id, assignedAgentId: c.assigned_agent_id },
    toQueue: { id: opts.queueId, name: target.rows[0].name },
    eventMessageId,
    withdrawn: withdrawn.rows,
  };
}

/** After commit: tell everyone (the agent who had it sees it go), route it again, free the agents it left. */
export async function announceQueueMove(
  deps: RoutingDeps,
  moved: QueueMove,
  /** More to announce with it (a supervisor's notices), from the conversation as it is now. */
  extra: (conversation: ConversationView | null) => DomainEvent[] = () => [],
): Promise<ConversationView> {
  const [conversation, message] = await Promise.all([loadConversation(deps.pool, moved.conversationId), loadMessage(deps.pool, moved.eventMessageId)]);
  const events: DomainEvent[] = moved.withdrawn.map((o) => ({
    type: "offer.closed" as const, offerId: o.id, agentId: o.agent_id, conversationId: moved.conversationId, status: "withdrawn" as const,
  }));
  const previousAgentId = moved.before.assignedAgentId;
  if (conversation) events.push({ type: "conversation.updated", conversation, ...(previousAgentId ? { alsoAgentIds: [previousAgentId] } : {}) });
  if (message) events.push({ type: "message.created", ...message });
  await deps.events.publish(...events, ...extra(conversation));
  const { rows } = await deps.pool.query<{ priority: number }>(`SELECT priority FROM conversations WHERE id = $1`, [moved.conversationId]);
  await deps.queues.routeConversation(moved.conversationId, rows[0]?.priority ?? 100);
  // Whoever had it, or had it offered, has room again.
  for (const agentId of new Set([previousAgentId, ...moved.withdrawn.map((o) => o.agent_id)])) {
    if (agentId) await deps.queues.agentMayTakeWork(agentId);
  }
  return conversation!;
}

export async function moveToQueue(
  deps: RoutingDeps,
  actor: Actor,
  opts: { conversationId: string; queueId: string },
): Promise<ConversationView> {
  const moved = await withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, actor, opts.conversationId, { lock: true });
    const move = await moveToQueueRows(tx, actor, opts);
    await recordAudit(tx, {
      actorId: actor.id,
      action: "conversation_moved",
      entityType: "conversation",
      entityId: opts.conversationId,
      data: { fromQueueId: move.before.queueId, toQueueId: opts.queueId, status: move.before.status },
    });
    return move;
  });
  return announceQueueMove(deps, moved);
}
