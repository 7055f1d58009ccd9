// The atomic match of waiting work and free agents (shared/DESIGN.md invariant 3).
// Each agent's load per channel is a row in agent_loads, kept by triggers in the transaction of every offer
// and assignment. A match locks the conversation, then the chosen agent's load row with FOR UPDATE SKIP
// LOCKED: the lock re-reads the row, so its load is checked against capacity on the newest version, and a
// row another match holds is skipped rather than waited on. Matches for different agents and different
// conversations run side by side; no agent goes over capacity and no conversation gets two pending offers
// (a partial unique index backs this up).
import type pg from "pg";
import type { Channel } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import { offerView, type OfferRow } from "../views.ts";
import type { WorkQueues } from "../work-queues.ts";
import { overflowIfDue } from "./overflow.ts";

export interface RoutingDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: WorkQueues;
  offerTimeoutMs: number;
}

/** An agent who declined or let an offer lapse is not offered the same conversation again for this long. */
const DECLINE_COOLDOWN_SECONDS = 60;

/**
 * Whether the agent can take work on the channel now: a call needs somewhere to ring, a browser softphone
 * that reported itself registered with Twilio, or a forward phone. Other channels need nothing more.
 */
export const REACHABLE_SQL = (channel: string) =>
  `(${channel} <> 'voice' OR a.forward_phone IS NOT NULL OR a.softphone_ready_at IS NOT NULL)`;

export const CAPACITY_SQL = (channel: string) => `(CASE ${channel}
  WHEN 'voice' THEN a.capacity_voice WHEN 'chat' THEN a.capacity_chat
  WHEN 'sms' THEN a.capacity_sms ELSE a.capacity_email END)`;

const NOT_RECENTLY_DECLINED = (conversation: string, agent: string) => `NOT EXISTS (
  SELECT 1 FROM offers d WHERE d.conversation_id = ${conversation} AND d.agent_id = ${agent}
     AND d.status IN ('rejected', 'timed_out') AND d.responded_at > now() - make_interval(secs => ${DECLINE_COOLDOWN_SECONDS}))`;

/**
 * The best agent for a waiting conversation, its load row locked: members of the conversation's queue with
 * its skills and free capacity on its channel; then whoever last served this customer ("pick up where the
 * last left off"); then the highest level in the queue; then the least loaded (as a share of capacity);
 * then the longest idle on the channel. Params: $1 channel, $2 customer, $3 conversation, $4 required
 * skills, $5 queue. The benchmark times this query bare, as the floor of a routing decision.
 */
export const CANDIDATE_AGENT_SQL = `
  SELECT l.agent_id AS id
    FROM queue_members m
    JOIN agents a ON a.id = m.agent_id
    JOIN agent_loads l ON l.agent_id = m.agent_id AND l.channel = $1::"Channel"
   WHERE m.queue_id = $5 AND a.presence = 'available' AND a.skills @> $4::text[] AND ${REACHABLE_SQL("$1::\"Channel\"")}
     AND l.assigned + l.offered < ${CAPACITY_SQL("$1::\"Channel\"")}
     AND ${NOT_RECENTLY_DECLINED("$3", "a.id")}
   ORDER BY l.agent_id = (SELECT p.assigned_agent_id FROM conversations p
                           WHERE p.customer_id = $2 AND p.assigned_agent_id IS NOT NULL AND p.id <> $3
                           ORDER BY p.last_message_at DESC LIMIT 1) IS TRUE DESC,
            m.level DESC,
            (l.assigned + l.offered)::float / ${CAPACITY_SQL("$1::\"Channel\"")} ASC,
            l.last_offered_at ASC NULLS FIRST,
            l.agent_id
   LIMIT 1
   FOR UPDATE OF l SKIP LOCKED`;

export interface WaitingConversation {
  id: string;
  channel: Channel;
  customer_id: string;
  queue_id: string | null;
  required_skills: string[];
}

const WAITING_COLUMNS = `cv.id, cv.channel, cv.customer_id, cv.queue_id, COALESCE(q.required_skills, '{}') AS required_skills`;

/** Deadlocks cannot arise between matches, but a trigger's row update can meet another path's; retry those. */
async function matchTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, fn);
    } catch (err) {
      if ((err as { code?: string }).code !== "40P01" || attempt >= 3) throw err;
    }
  }
}

/** Tries to offer one waiting conversation to the best available agent. Returns the offer id or null. */
export async function routeConversation(deps: RoutingDeps, conversationId: string): Promise<string | null> {
  const result = await matchTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<WaitingConversation & { queue_entered_at: Date }>(
      `SELECT ${WAITING_COLUMNS}, cv.queue_entered_at FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id
        WHERE cv.id = $1 AND cv.status = 'queued' FOR UPDATE OF cv`,
      [conversationId],
    );
    const waiting = rows[0];
    if (!waiting) return null;
    // Past the queue's overflow time, or nobody of its members signed in: it moves on first.
    const overflow = await overflowIfDue(tx, waiting);
    const conversation = overflow.moved?.conversation ?? waiting;
    const picked = await tx.query<{ id: string }>(CANDIDATE_AGENT_SQL, [
      conversation.channel,
      conversation.customer_id,
      conversation.id,
      conversation.required_skills,
      conversation.queue_id,
    ]);
    const agentId = picked.rows[0]?.id;
    const offer = agentId ? await createOffer(tx, deps, conversation, agentId) : null;
    return { offer, overflow };
  });
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

async function createOffer(tx: pg.PoolClient, deps: RoutingDeps, c: WaitingConversation, agentId: string): Promise<CreatedOffer> {
  // The offers trigger raises the agent's load row (which this transaction holds) and its last offer time.
  const { rows } = await tx.query<CreatedOffer>(
    `INSERT INTO offers (conversation_id, agent_id, channel, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::float / 1000))
     RETURNING id, conversation_id, agent_id, channel, status, created_at, expires_at`,
    [c.id, agentId, c.channel, deps.offerTimeoutMs],
  );
  await tx.query(`UPDATE conversations SET status = 'offered', updated_at = now() WHERE id = $1`, [c.id]);
  return rows[0]!;
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
 * conversations of their queues that they qualify for, until they are full or nothing fits.
 */
export async function offerWorkToAgent(deps: RoutingDeps, agentId: string): Promise<string[]> {
  const created: CreatedOffer[] = [];
  for (;;) {
    const offer = await matchTransaction(deps.pool, async (tx) => {
      // The agent's load rows first (waiting on a match that holds one briefly), then a conversation that
      // no other match holds: the two lock orders never wait on each other (the second is SKIP LOCKED).
      await tx.query(`SELECT 1 FROM agent_loads WHERE agent_id = $1 ORDER BY channel FOR UPDATE`, [agentId]);
      const { rows } = await tx.query<WaitingConversation>(
        `SELECT ${WAITING_COLUMNS}
           FROM conversations cv
           JOIN queue_members m ON m.queue_id = cv.queue_id AND m.agent_id = $1
           JOIN queues q ON q.id = cv.queue_id
           JOIN agents a ON a.id = $1
           JOIN agent_loads l ON l.agent_id = $1 AND l.channel = cv.channel
          WHERE cv.status = 'queued' AND a.presence = 'available'
            AND a.skills @> q.required_skills AND ${REACHABLE_SQL("cv.channel")}
            AND l.assigned + l.offered < ${CAPACITY_SQL("cv.channel")}
            AND ${NOT_RECENTLY_DECLINED("cv.id", "a.id")}
          ORDER BY cv.due_at ASC NULLS LAST, cv.waiting_since ASC, cv.id
          LIMIT 1
          FOR UPDATE OF cv SKIP LOCKED`,
        [agentId],
      );
      const conversation = rows[0];
      return conversation ? createOffer(tx, deps, conversation, agentId) : null;
    });
    if (!offer) break;
    created.push(offer);
    await announceOffer(deps, offer);
  }
  return created.map((o) => o.id);
}
