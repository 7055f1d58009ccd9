// An agent answers an offer: accept assigns the conversation; reject or a timeout sends it to the next agent.
import type { ConversationView } from "../../../shared/api.ts";
import type { OfferStatus } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";
import { withDeadlockRetry, withTransaction } from "../../db/client.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { RoutingDeps } from "./match.ts";

interface LockedOffer {
  id: string;
  agent_id: string;
  conversation_id: string;
  status: OfferStatus;
  expired: boolean;
  agent_name: string;
  priority: number;
}

export async function acceptOffer(deps: RoutingDeps, opts: { offerId: string; agentId: string }): Promise<ConversationView> {
  // Only database work inside: a deadlock's rollback leaves nothing, so it is simply run again.
  const result = await withDeadlockRetry(() => withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<LockedOffer>(
      `SELECT o.id, o.agent_id, o.conversation_id, o.status, o.expires_at < now() AS expired, a.name AS agent_name, cv.priority
         FROM offers o JOIN agents a ON a.id = o.agent_id JOIN conversations cv ON cv.id = o.conversation_id
        WHERE o.id = $1 FOR UPDATE OF o, cv`,
      [opts.offerId],
    );
    const offer = rows[0];
    if (!offer || offer.agent_id !== opts.agentId) throw new AppError("NOT_FOUND", "No such offer");
    if (offer.status !== "pending") throw new AppError("CONFLICT", `This offer was already ${offer.status.replace("_", " ")}`);
    if (offer.expired) throw new AppError("CONFLICT", "This offer has expired");
    await tx.query(`UPDATE offers SET status = 'accepted', responded_at = now() WHERE id = $1`, [offer.id]);
    const conversation = await tx.query<{ customer_id: string; channel: string }>(
      `UPDATE conversations SET status = 'assigned', assigned_agent_id = $2, waiting_since = NULL, updated_at = now()
        WHERE id = $1 RETURNING customer_id, channel`,
      [offer.conversation_id, offer.agent_id],
    );
    const c = conversation.rows[0]!;
    const event = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
       VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5, '{"event":"assigned"}') RETURNING id`,
      [offer.conversation_id, c.customer_id, c.channel, `${offer.agent_name} accepted the conversation`, offer.agent_id],
    );
    return { offer, eventMessageId: event.rows[0]!.id };
  }));
  const conversation = await loadConversation(deps.pool, result.offer.conversation_id);
  const message = await loadMessage(deps.pool, result.eventMessageId);
  await deps.events.publish(
    { type: "offer.closed", offerId: result.offer.id, agentId: result.offer.agent_id, conversationId: result.offer.conversation_id, status: "accepted" },
    { type: "conversation.updated", conversation: conversation! },
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
  );
  return conversation!;
}

/**
 * Closes a pending offer without accepting it and puts the conversation back in line for the next agent.
 * Idempotent: an offer that is no longer pending is left alone (a late timeout after an accept).
 */
export async function closeOffer(
  deps: RoutingDeps,
  opts: { offerId: string; status: "rejected" | "timed_out" | "withdrawn"; agentId?: string },
): Promise<boolean> {
  const closed = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<LockedOffer>(
      `SELECT o.id, o.agent_id, o.conversation_id, o.status, o.expires_at < now() AS expired, '' AS agent_name, cv.priority
         FROM offers o JOIN conversations cv ON cv.id = o.conversation_id WHERE o.id = $1 FOR UPDATE OF o, cv`,
      [opts.offerId],
    );
    const offer = rows[0];
    if (!offer || (opts.agentId && offer.agent_id !== opts.agentId)) throw new AppError("NOT_FOUND", "No such offer");
    if (offer.status !== "pending") return null;
    await tx.query(`UPDATE offers SET status = $2, responded_at = now() WHERE id = $1`, [offer.id, opts.status]);
    await tx.query(`UPDATE conversations SET status = 'queued', updated_at = now() WHERE id = $1 AND status = 'offered'`, [offer.conversation_id]);
    return offer;
  });
  if (!closed) return false;
  const conversation = await loadConversation(deps.pool, closed.conversation_id);
  await deps.events.publish(
    { type: "offer.closed", offerId: closed.id, agentId: closed.agent_id, conversationId: closed.conversation_id, status: opts.status },
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
  );
  await deps.queues.routeConversation(closed.conversation_id, closed.priority);
  // The agent's capacity is free again; they will not be offered this conversation during the cooldown.
  await deps.queues.agentMayTakeWork(closed.agent_id);
  return true;
}
