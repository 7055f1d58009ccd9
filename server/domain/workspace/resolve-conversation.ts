// The agent is done with a conversation: it leaves their load, and their freed capacity pulls waiting work.
// A chat visitor who ends their chat takes the same path (server/domain/chat/visitor-ends-chat.ts).
import type pg from "pg";
import type { ConversationView } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { withDeadlockRetry, withTransaction } from "../../db/client.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { DomainEvent } from "../events.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { loadConversation, loadMessage } from "../queries.ts";

/** A conversation just ended, to be announced once its transaction committed. */
export interface EndedConversation {
  conversationId: string;
  eventId: string;
  /** Who ended it, as the chat visitor is told ("Sam"); null for the customer themselves. */
  by: string | null;
  /** Pending offers withdrawn: their agents stop seeing them ring. */
  withdrawn: { id: string; agent_id: string }[];
}

/**
 * In the caller's transaction, the conversation's row locked and not resolved yet: a pending offer is
 * withdrawn, it is resolved, and the timeline says why. `abandoned`: the customer left while it still
 * waited; the contact history's trigger then ends the wait as abandoned (migration 0031).
 */
export async function endConversation(
  tx: pg.PoolClient,
  opts: { conversationId: string; customerId: string; channel: string; text: string; authorAgentId: string | null; event: string; abandoned: boolean; by: string | null },
): Promise<EndedConversation> {
  const withdrawn = await tx.query<{ id: string; agent_id: string }>(
    `UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE conversation_id = $1 AND status = 'pending' RETURNING id, agent_id`,
    [opts.conversationId],
  );
  await tx.query(
    `UPDATE conversations SET status = 'resolved', resolved_at = now(), waiting_since = NULL, updated_at = now(),
       outcome = CASE WHEN $2 THEN 'abandoned' ELSE outcome END WHERE id = $1`,
    [opts.conversationId, opts.abandoned],
  );
  const ev = await tx.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
     VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5, jsonb_build_object('event', $6::text)) RETURNING id`,
    [opts.conversationId, opts.customerId, opts.channel, opts.text, opts.authorAgentId, opts.event],
  );
  return { conversationId: opts.conversationId, eventId: ev.rows[0]!.id, by: opts.by, withdrawn: withdrawn.rows };
}

/** After commit: agents, the board and the chat visitor see it end; freed agents pull waiting work. */
export async function announceEnded(deps: Pick<RoutingDeps, "pool" | "events" | "queues">, ended: EndedConversation): Promise<ConversationView> {
  const conversation = (await loadConversation(deps.pool, ended.conversationId))!;
  const message = await loadMessage(deps.pool, ended.eventId);
  const events: DomainEvent[] = [{ type: "conversation.updated", conversation }];
  if (message) events.push({ type: "message.created", ...message });
  // A chat visitor sees the chat end and may start again (a chat's customer address is the visitor id).
  if (conversation.channel === "chat") events.push({ type: "chat.ended", visitorId: conversation.customerAddress, by: ended.by });
  for (const offer of ended.withdrawn) {
    events.push({ type: "offer.closed", offerId: offer.id, agentId: offer.agent_id, conversationId: ended.conversationId, status: "withdrawn" });
  }
  await deps.events.publish(...events);
  if (conversation.assignedAgentId) await deps.queues.agentMayTakeWork(conversation.assignedAgentId);
  for (const offer of ended.withdrawn) await deps.queues.agentMayTakeWork(offer.agent_id);
  return conversation;
}

/** Resolves (for a chat: ends) the conversation: its assigned agent, or a supervisor or admin. */
export async function resolveConversation(deps: RoutingDeps, opts: { conversationId: string; actor: Actor }): Promise<ConversationView> {
  // Retried when Postgres breaks a deadlock (the resolve's triggers beside an offer and a presence change).
  const resolved = await withDeadlockRetry(() => withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, opts.actor, opts.conversationId, { lock: true });
    const { rows } = await tx.query<{ status: string; customer_id: string; channel: string }>(
      `SELECT cv.status, cv.customer_id, cv.channel FROM conversations cv WHERE cv.id = $1`,
      [opts.conversationId],
    );
    const c = rows[0];
    if (!c) throw new AppError("NOT_FOUND", "No such conversation");
    if (c.status === "resolved") return null;
    return endConversation(tx, {
      conversationId: opts.conversationId,
      customerId: c.customer_id,
      channel: c.channel,
      text: `${opts.actor.name} resolved the conversation`,
      authorAgentId: opts.actor.id,
      event: "resolved",
      abandoned: false,
      by: opts.actor.name,
    });
  }));
  if (resolved) return announceEnded(deps, resolved);
  return (await loadConversation(deps.pool, opts.conversationId))!;
}
