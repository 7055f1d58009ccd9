// The atomic match of waiting work and free agents (shared/DESIGN.md invariant 3).
// Every match runs under one transaction-scoped advisory lock, so with any number of worker
// processes an agent's load is counted and raised by one match at a time: no agent goes over
// capacity and no conversation gets two pending offers (a partial unique index backs this up).
import type pg from "pg";
import type { Channel } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation } from "../queries.ts";
import { offerView, type OfferRow } from "../views.ts";
import type { WorkQueues } from "../work-queues.ts";

export interface RoutingDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: WorkQueues;
  offerTimeoutMs: number;
}

/** Held by every match, and by a transfer that checks its target's capacity. */
export const ROUTING_LOCK = 727002;
/** An agent who declined or let an offer lapse is not offered the same conversation again for this long. */
const DECLINE_COOLDOWN_SECONDS = 60;

/** The agent's work on a channel: open assigned conversations plus pending offers. */
export const LOAD_SQL = (agent: string, channel: string) => `(
  (SELECT count(*) FROM conversations l WHERE l.assigned_agent_id = ${agent} AND l.channel = ${channel}
     AND l.status IN ('assigned', 'pending_customer'))
  + (SELECT count(*) FROM offers o WHERE o.agent_id = ${agent} AND o.channel = ${channel} AND o.status = 'pending'))`;

/**
 * Whether the agent can take work on the channel now: a call needs somewhere to ring, a browser softphone
 * that reported itself registered with Twilio, or a forward phone. Other channels need nothing more.
 */
export const REACHABLE_SQL = (channel: string) =>
  `(${channel} <> 'voice' OR a.forward_phone IS NOT NULL OR a.softphone_ready_at IS NOT NULL)`;

export const CAPACITY_SQL = (channel: string) => `(CASE ${channel}
  WHEN 'voice' THEN a.capacity_voice WHEN 'chat' THEN a.capacity_chat
  WHEN 'sms' THEN a.capacity_sms ELSE a.capacity_email END)`;

interface WaitingConversation {
  id: string;
  channel: Channel;
  customer_id: string;
  required_skills: string[];
}

/** Tries to offer one waiting conversation to the best available agent. Returns the offer id or null. */
export async function routeConversation(deps: RoutingDeps, conversationId: string): Promise<string | null> {
  const offer = await withTransaction(deps.pool, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ROUTING_LOCK]);
    const { rows } = await tx.query<WaitingConversation>(
      `SELECT cv.id, cv.channel, cv.customer_id, COALESCE(q.required_skills, '{}') AS required_skills
         FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id
        WHERE cv.id = $1 AND cv.status = 'queued' FOR UPDATE OF cv`,
      [conversationId],
    );
    const conversation = rows[0];
    if (!conversation) return null;
    const agentId = await bestAgentFor(tx, conversation);
    if (!agentId) return null;
    return createOffer(tx, deps, conversation, agentId);
  });
  if (offer) await announceOffer(deps, offer);
  return offer?.id ?? null;
}

/**
 * The agent's order of preference for a conversation: skills and free capacity on its channel;
 * then whoever last served this customer ("pick up where the last left off"); then the least
 * loaded (as a share of capacity); then the longest idle.
 */
async function bestAgentFor(tx: pg.PoolClient, c: WaitingConversation): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>(
    `WITH last_agent AS (
       SELECT assigned_agent_id AS id FROM conversations
        WHERE customer_id = $2 AND assigned_agent_id IS NOT NULL AND id <> $3
        ORDER BY last_message_at DESC LIMIT 1
     ), candidates AS (
       SELECT a.id, a.last_assigned_at, ${LOAD_SQL("a.id", "$1::\"Channel\"")} AS load, ${CAPACITY_SQL("$1::\"Channel\"")} AS capacity
         FROM agents a
        WHERE a.presence = 'available' AND a.skills @> $4::text[] AND ${REACHABLE_SQL("$1::\"Channel\"")}
          AND NOT EXISTS (SELECT 1 FROM offers d WHERE d.conversation_id = $3 AND d.agent_id = a.id
                            AND d.status IN ('rejected', 'timed_out')
                            AND d.responded_at > now() - make_interval(secs => ${DECLINE_COOLDOWN_SECONDS}))
     )
     SELECT c.id FROM candidates c
      WHERE c.load < c.capacity
      ORDER BY (c.id = (SELECT id FROM last_agent)) IS TRUE DESC,
               c.load::float / c.capacity ASC,
               c.last_assigned_at ASC NULLS FIRST,
               c.id
      LIMIT 1`,
    [c.channel, c.customer_id, c.id, c.required_skills],
  );
  return rows[0]?.id ?? null;
}

interface CreatedOffer extends OfferRow {
  conversation_id: string;
}

async function createOffer(tx: pg.PoolClient, deps: RoutingDeps, c: WaitingConversation, agentId: string): Promise<CreatedOffer> {
  const { rows } = await tx.query<CreatedOffer>(
    `INSERT INTO offers (conversation_id, agent_id, channel, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::float / 1000))
     RETURNING id, conversation_id, agent_id, channel, status, created_at, expires_at`,
    [c.id, agentId, c.channel, deps.offerTimeoutMs],
  );
  await tx.query(`UPDATE conversations SET status = 'offered', updated_at = now() WHERE id = $1`, [c.id]);
  // Offers spread work too: "longest idle" counts from the last offer an agent got.
  await tx.query(`UPDATE agents SET last_assigned_at = now() WHERE id = $1`, [agentId]);
  return rows[0]!;
}

async function announceOffer(deps: RoutingDeps, offer: CreatedOffer): Promise<void> {
  await deps.queues.scheduleOfferTimeout(offer.id, deps.offerTimeoutMs);
  const conversation = await loadConversation(deps.pool, offer.conversation_id);
  if (!conversation) return;
  await deps.events.publish({ type: "offer.created", offer: offerView(offer, conversation) }, { type: "conversation.updated", conversation });
}

/**
 * An agent has room (went available, finished or declined work): offer them the highest-priority
 * waiting conversations they qualify for, until they are full or nothing fits. Returns the offer ids.
 */
export async function offerWorkToAgent(deps: RoutingDeps, agentId: string): Promise<string[]> {
  const created: CreatedOffer[] = [];
  for (;;) {
    const offer = await withTransaction(deps.pool, async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [ROUTING_LOCK]);
      const { rows } = await tx.query<WaitingConversation>(
        `SELECT cv.id, cv.channel, cv.customer_id, COALESCE(q.required_skills, '{}') AS required_skills
           FROM conversations cv
           LEFT JOIN queues q ON q.id = cv.queue_id
           JOIN agents a ON a.id = $1
          WHERE cv.status = 'queued' AND a.presence = 'available'
            AND a.skills @> COALESCE(q.required_skills, '{}') AND ${REACHABLE_SQL("cv.channel")}
            AND ${LOAD_SQL("a.id", "cv.channel")} < ${CAPACITY_SQL("cv.channel")}
            AND NOT EXISTS (SELECT 1 FROM offers d WHERE d.conversation_id = cv.id AND d.agent_id = a.id
                              AND d.status IN ('rejected', 'timed_out')
                              AND d.responded_at > now() - make_interval(secs => ${DECLINE_COOLDOWN_SECONDS}))
          ORDER BY cv.priority ASC, cv.waiting_since ASC, cv.id
          LIMIT 1
          FOR UPDATE OF cv`,
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
