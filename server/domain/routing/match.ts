// The atomic match of waiting work and free agents (shared/DESIGN.md invariant 3).
// Each agent's load per channel is a row in agent_loads, kept by triggers in the transaction of every offer
// and assignment. A match locks the conversation, then the chosen agent's load row with FOR UPDATE SKIP
// LOCKED: the lock re-reads the row, so its load is checked against capacity on the newest version, and a
// row another match holds is skipped rather than waited on. Matches for different agents and different
// conversations run side by side; no agent goes over capacity and no conversation gets two pending offers
// (a partial unique index backs this up). The matches are SQL functions (migration 0014), one round trip
// each, as ingest is: on this 2-core machine round trips, not the queries, were most of a decision's cost.
// Hand SQL kept on a hot path: bench routing (decisions per second against its floor, the bare best_agent_for query).
import type pg from "pg";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import { offerView, type OfferRow } from "../views.ts";
import type { WorkQueues } from "../work-queues.ts";
import { overflowIfDue, type WaitingRow } from "./overflow.ts";

export interface RoutingDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: WorkQueues;
  offerTimeoutMs: number;
}

/**
 * The router's choice of agent, bare: the SQL function `best_agent_for` (migration 0014) that both match
 * paths run, locking the chosen agent's load row. Params: $1 channel, $2 customer, $3 conversation,
 * $4 required skills, $5 queue. The benchmark times this query alone, as the floor of a routing decision.
 */
export const CANDIDATE_AGENT_SQL = `SELECT best_agent_for($1::"Channel", $2, $3, $4::text[], $5) AS id`;


/** Deadlocks cannot arise between matches, but a trigger's row update can meet another path's; retry those. */
async function retryDeadlock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== "40P01" || attempt >= 3) throw err;
    }
  }
}

interface RouteRow extends CreatedOffer {
  outcome: "offered" | "no_agent" | "not_waiting" | "overflow_rules";
}

const ROUTE_SQL = `SELECT * FROM route_conversation($1, $2, $3)`;

/**
 * Tries to offer one waiting conversation to the best available agent. Returns the offer id or null.
 * One round trip (the SQL function `route_conversation`) unless its queue overflows: then the overflow
 * rules run first, in the same transaction as the match.
 */
export async function routeConversation(deps: RoutingDeps, conversationId: string): Promise<string | null> {
  const fast = await retryDeadlock(() =>
    deps.pool.query<RouteRow>({ name: "route_conversation", text: ROUTE_SQL, values: [conversationId, deps.offerTimeoutMs, false] }),
  );
  const first = fast.rows[0]!;
  if (first.outcome === "offered") {
    await announceOffer(deps, first);
    return first.id;
  }
  if (first.outcome !== "overflow_rules") return null;

  const result = await retryDeadlock(() =>
    withTransaction(deps.pool, async (tx) => {
      const { rows } = await tx.query<WaitingRow>(
        `SELECT id, channel, customer_id, queue_id, queue_entered_at FROM conversations WHERE id = $1 AND status = 'queued' FOR UPDATE`,
        [conversationId],
      );
      if (!rows[0]) return null;
      // Past the queue's overflow time, or nobody of its members signed in: it moves on first.
      const overflow = await overflowIfDue(tx, rows[0]);
      const routed = await tx.query<RouteRow>(ROUTE_SQL, [conversationId, deps.offerTimeoutMs, true]);
      const offer = routed.rows[0]!.outcome === "offered" ? routed.rows[0]! : null;
      return { offer, overflow };
    }),
  );
  if (!result) return null;
  if (result.overflow.moved) await announceMove(deps, conversationId, result.overflow.moved.eventMessageId);
  if (result.offer) await announceOffer(deps, result.offer);
  // Still waiting in a queue with an overflow time: routing looks again when it comes.
  else if (result.overflow.checkAgainAt) await deps.queues.routeConversationAt(conversationId, result.overflow.checkAgainAt);
  return result.offer?.id ?? null;
}

interface CreatedOffer extends OfferRow {
  conversation_id: string;
}

async function announceOffer(deps: RoutingDeps, offer: CreatedOffer): Promise<void> {
  await deps.queues.scheduleOfferTimeout(offer.id, deps.offerTimeoutMs);
  const conversation = await loadConversation(deps.pool, offer.conversation_id);
  if (!conversation) return;
  await deps.events.publish({ type: "offer.created", offer: offerView(offer, conversation) }, { type: "conversation.updated", conversation });
}

export async function announceMove(deps: Pick<RoutingDeps, "pool" | "events">, conversationId: string, eventMessageId: string): Promise<void> {
  const [conversation, message] = await Promise.all([loadConversation(deps.pool, conversationId), loadMessage(deps.pool, eventMessageId)]);
  await deps.events.publish(
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
  );
}

/**
 * An agent has room (went available, finished or declined work): offer them the earliest-due waiting
 * conversations of their queues that they qualify for, until they are full or nothing fits. Each offer is
 * one round trip (the SQL function `offer_work_to_agent`).
 */
export async function offerWorkToAgent(deps: RoutingDeps, agentId: string): Promise<string[]> {
  const created: string[] = [];
  for (;;) {
    const { rows } = await retryDeadlock(() =>
      deps.pool.query<CreatedOffer>({ name: "offer_work_to_agent", text: `SELECT * FROM offer_work_to_agent($1, $2)`, values: [agentId, deps.offerTimeoutMs] }),
    );
    const offer = rows[0];
    if (!offer) break;
    created.push(offer.id);
    await announceOffer(deps, offer);
  }
  return created;
}
