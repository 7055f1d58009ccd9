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

// Each is one lookup by index, evaluated once per query (not once per candidate row).
const RECENTLY_DECLINED = `d.status IN ('rejected', 'timed_out') AND d.responded_at > now() - make_interval(secs => ${DECLINE_COOLDOWN_SECONDS})`;
const AGENTS_WHO_DECLINED = (conversation: string) =>
  `COALESCE((SELECT array_agg(d.agent_id) FROM offers d WHERE d.conversation_id = ${conversation} AND ${RECENTLY_DECLINED}), '{}')`;
const CONVERSATIONS_DECLINED_BY = (agent: string) =>
  `COALESCE((SELECT array_agg(d.conversation_id) FROM offers d WHERE d.agent_id = ${agent} AND ${RECENTLY_DECLINED}), '{}')`;

/**
 * The best agent for a waiting conversation, its load row locked: members of the conversation's queue with
 * its skills and free capacity on its channel; then whoever last served this customer ("pick up where the
 * last left off"); then the highest level in the queue; then the least loaded (as a share of capacity);
 * then the longest idle on the channel. Each load row carries what the match filters on (`ready`, capacity,
 * skills: copied from the agent by a trigger), so the agents table is not read; the lock re-checks them on
 * the newest row. Params: $1 channel, $2 customer, $3 conversation, $4 required skills, $5 queue. The
 * benchmark times this query bare, as the floor of a routing decision.
 */
export const CANDIDATE_AGENT_SQL = `
  SELECT l.agent_id AS id
    FROM agent_loads l
    JOIN queue_members m ON m.agent_id = l.agent_id AND m.queue_id = $5
   WHERE l.channel = $1::"Channel" AND l.ready AND l.assigned + l.offered < l.capacity
     AND l.skills @> $4::text[]
     AND l.agent_id <> ALL (${AGENTS_WHO_DECLINED("$3")})
   ORDER BY l.agent_id = (SELECT p.assigned_agent_id FROM conversations p
                           WHERE p.customer_id = $2 AND p.assigned_agent_id IS NOT NULL AND p.id <> $3
                           ORDER BY p.last_message_at DESC LIMIT 1) IS TRUE DESC,
            m.level DESC,
            (l.assigned + l.offered)::float / l.capacity ASC,
            l.last_offered_at ASC NULLS FIRST,
            l.agent_id
   LIMIT 1
   FOR UPDATE OF l SKIP LOCKED`;

/**
 * The earliest-due waiting conversations an agent may take on the channels where they have room: for each
 * of their queues (whose skills they have) and each such channel, the first few by due time, read from an
 * index per queue and channel rather than by walking the whole backlog. Params: $1 agent, $2 channels,
 * $3 the agent's skills.
 */
const WORK_FOR_AGENT_SQL = `
  SELECT c.id FROM queue_members m
    JOIN queues q ON q.id = m.queue_id
   CROSS JOIN unnest($2::"Channel"[]) ch
   CROSS JOIN LATERAL (
     SELECT cv.id, cv.due_at, cv.waiting_since FROM conversations cv
      WHERE cv.status = 'queued' AND cv.queue_id = m.queue_id AND cv.channel = ch
        AND cv.id <> ALL (${CONVERSATIONS_DECLINED_BY("$1")})
      ORDER BY cv.due_at, cv.waiting_since, cv.id LIMIT 4) c
   WHERE m.agent_id = $1 AND $3::text[] @> q.required_skills
   ORDER BY c.due_at, c.waiting_since, c.id
   LIMIT 8`;

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
    const { rows } = await tx.query<WaitingConversation & { queue_entered_at: Date; overflows: boolean }>({
      // Named: parsed and planned once per connection (these run for every routing decision).
      name: "routing_lock_conversation",
      text: `SELECT ${WAITING_COLUMNS}, cv.queue_entered_at, q.overflow_queue_id IS NOT NULL AS overflows
         FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id
        WHERE cv.id = $1 AND cv.status = 'queued' FOR UPDATE OF cv`,
      values: [conversationId],
    });
    const waiting = rows[0];
    if (!waiting) return null;
    // Past the queue's overflow time, or nobody of its members signed in: it moves on first.
    const overflow = waiting.overflows ? await overflowIfDue(tx, waiting) : { moved: null, checkAgainAt: null };
    const conversation = overflow.moved?.conversation ?? waiting;
    const picked = await tx.query<{ id: string }>({
      name: "routing_candidate_agent",
      text: CANDIDATE_AGENT_SQL,
      values: [conversation.channel, conversation.customer_id, conversation.id, conversation.required_skills, conversation.queue_id],
    });
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
  // One round trip: the offer and the conversation's new status.
  const { rows } = await tx.query<CreatedOffer>({
    name: "routing_create_offer",
    text: `WITH offered AS (
       UPDATE conversations SET status = 'offered', updated_at = now() WHERE id = $1 RETURNING id
     )
     INSERT INTO offers (conversation_id, agent_id, channel, expires_at)
     SELECT offered.id, $2, $3, now() + make_interval(secs => $4::float / 1000) FROM offered
     RETURNING id, conversation_id, agent_id, channel, status, created_at, expires_at`,
    values: [c.id, agentId, c.channel, deps.offerTimeoutMs],
  });
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
      const loads = await tx.query<{ channel: Channel; room: boolean; skills: string[] }>({
        name: "routing_lock_agent_loads",
        text: `SELECT channel, ready AND assigned + offered < capacity AS room, skills FROM agent_loads WHERE agent_id = $1 ORDER BY channel FOR UPDATE`,
        values: [agentId],
      });
      const channels = loads.rows.filter((l) => l.room).map((l) => l.channel);
      if (channels.length === 0) return null;
      // Another match may take a candidate meanwhile: look again a few times before giving up.
      for (let look = 0; look < 3; look++) {
        const candidates = await tx.query<{ id: string }>({ name: "routing_work_for_agent", text: WORK_FOR_AGENT_SQL, values: [agentId, channels, loads.rows[0]!.skills] });
        if (candidates.rows.length === 0) return null;
        const { rows } = await tx.query<WaitingConversation>({
          name: "routing_lock_first_candidate",
          text: `SELECT ${WAITING_COLUMNS} FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id
            WHERE cv.id = ANY($1) AND cv.status = 'queued'
            ORDER BY cv.due_at ASC NULLS LAST, cv.waiting_since ASC, cv.id
            LIMIT 1 FOR UPDATE OF cv SKIP LOCKED`,
          values: [candidates.rows.map((c) => c.id)],
        });
        if (rows[0]) return createOffer(tx, deps, rows[0], agentId);
      }
      return null;
    });
    if (!offer) break;
    created.push(offer);
    await announceOffer(deps, offer);
  }
  return created.map((o) => o.id);
}
