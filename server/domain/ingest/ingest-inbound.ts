// ingest(event): in one transaction resolve the customer, find or open the conversation and store
// the message once; after commit announce it and queue routing (shared/DESIGN.md, "Data flow").
import type pg from "pg";
import { InboundEvent, type InboundEventInput } from "../../../shared/inbound.ts";
import type { Channel, CustomerTier } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { routingPriority } from "../routing/priority.ts";

export interface IngestDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: WorkQueues;
}

export interface IngestResult {
  messageId: string;
  conversationId: string;
  customerId: string;
  /** False when this provider id was stored before (a retry): nothing changed. */
  created: boolean;
}

interface Resolved {
  customerId: string;
  tier: CustomerTier;
}

export async function ingestInbound(deps: IngestDeps, input: InboundEventInput): Promise<IngestResult> {
  const parsed = InboundEvent.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION", "Invalid inbound event", parsed.error.issues);
  const event = parsed.data;

  const outcome = await withTransaction(deps.pool, async (tx) => {
    // Serialise everything one sender does: parallel provider retries and first contacts cannot race.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${event.from.kind}:${event.from.value}`]);
    const existing = await tx.query<{ id: string; conversation_id: string; customer_id: string }>(
      "SELECT id, conversation_id, customer_id FROM messages WHERE channel = $1 AND external_id = $2",
      [event.channel, event.externalId],
    );
    if (existing.rows[0]) {
      const r = existing.rows[0];
      return { kind: "duplicate" as const, messageId: r.id, conversationId: r.conversation_id, customerId: r.customer_id };
    }

    const customer = await resolveCustomer(tx, event);
    const conversation = await findOrOpenConversation(tx, event, customer);
    const receivedAt = event.receivedAt ?? new Date();
    const inserted = await tx.query<{ id: string }>(
      `WITH m AS (
         INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, media, external_id, status, metadata, created_at)
         VALUES ($1, $2, $3, 'inbound', $4, $5, $6, $7, 'received', $8, $9)
         RETURNING id
       ), touch AS (
         UPDATE conversations SET last_message_at = $9, updated_at = now(),
           -- The customer answered: the conversation is the agent's turn again.
           status = CASE WHEN status = 'pending_customer' THEN 'assigned'::"ConversationStatus" ELSE status END
          WHERE id = $1
       )
       SELECT id FROM m`,
      [
        conversation.id,
        customer.customerId,
        event.channel,
        event.channel === "email" ? "email" : "text",
        event.body,
        JSON.stringify(event.media),
        event.externalId,
        JSON.stringify(event.metadata),
        receivedAt,
      ],
    );
    const messageIds = [inserted.rows[0]!.id];
    if (event.consentChange) {
      messageIds.push(await recordConsent(tx, customer.customerId, conversation.id, event.channel, event.consentChange, event.externalId));
    }
    return {
      kind: "created" as const,
      messageIds,
      conversationId: conversation.id,
      customerId: customer.customerId,
      opened: conversation.opened,
      waiting: conversation.waiting,
      priority: conversation.priority,
    };
  });

  if (outcome.kind === "duplicate") {
    return { messageId: outcome.messageId, conversationId: outcome.conversationId, customerId: outcome.customerId, created: false };
  }

  // After commit: announce, then queue routing. A failure here delays but never loses anything:
  // clients catch up from their cursor, and the sweeper re-queues conversations still waiting.
  await announce(deps, outcome.messageIds, outcome.opened ? outcome.conversationId : null);
  if (outcome.waiting) await deps.queues.routeConversation(outcome.conversationId, outcome.priority);
  return { messageId: outcome.messageIds[0]!, conversationId: outcome.conversationId, customerId: outcome.customerId, created: true };
}

async function announce(deps: IngestDeps, messageIds: string[], openedConversationId: string | null): Promise<void> {
  const events = [];
  if (openedConversationId) {
    const conversation = await loadConversation(deps.pool, openedConversationId);
    if (conversation) events.push({ type: "conversation.updated" as const, conversation });
  }
  for (const id of messageIds) {
    const loaded = await loadMessage(deps.pool, id);
    if (loaded) events.push({ type: "message.created" as const, ...loaded });
  }
  await deps.events.publish(...events);
}

async function resolveCustomer(tx: pg.PoolClient, event: InboundEvent): Promise<Resolved> {
  const found = await tx.query<{ customer_id: string; tier: CustomerTier }>(
    `SELECT i.customer_id, c.tier FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = $1 AND i.value = $2`,
    [event.from.kind, event.from.value],
  );
  if (found.rows[0]) return { customerId: found.rows[0].customer_id, tier: found.rows[0].tier };
  const created = await tx.query<{ id: string; tier: CustomerTier }>(
    `WITH c AS (INSERT INTO customers DEFAULT VALUES RETURNING id, tier)
     INSERT INTO identities (customer_id, kind, value, verified, source)
     SELECT id, $1, $2, $3, $4 FROM c
     RETURNING customer_id AS id, (SELECT tier FROM c) AS tier`,
    [event.from.kind, event.from.value, event.from.verified, `inbound:${event.channel}`],
  );
  return { customerId: created.rows[0]!.id, tier: created.rows[0]!.tier };
}

async function findOrOpenConversation(
  tx: pg.PoolClient,
  event: InboundEvent,
  customer: Resolved,
): Promise<{ id: string; opened: boolean; waiting: boolean; priority: number }> {
  const open = await tx.query<{ id: string }>(
    `SELECT id FROM conversations
      WHERE customer_id = $1 AND channel = $2 AND status <> 'resolved'
      ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
    [customer.customerId, event.channel],
  );
  if (open.rows[0]) return { id: open.rows[0].id, opened: false, waiting: false, priority: 0 };

  // A resolved thread is not reopened: a new conversation starts, routed with the customer's whole
  // timeline and their last agent first. A bare consent keyword is recorded but is no work for anyone.
  const priority = routingPriority(customer.tier, event.channel);
  const waiting = !event.consentChange;
  const created = await tx.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, business_address, subject, priority, waiting_since, resolved_at)
     VALUES ($1, $2, $3, (SELECT id FROM queues ORDER BY created_at LIMIT 1), $4, $5, $6, $7, $8, $9)
     RETURNING id`,
    [
      customer.customerId,
      event.channel,
      waiting ? "queued" : "resolved",
      event.from.value,
      event.to ?? null,
      event.subject ?? null,
      priority,
      waiting ? new Date() : null,
      waiting ? null : new Date(),
    ],
  );
  return { id: created.rows[0]!.id, opened: true, waiting, priority };
}

async function recordConsent(
  tx: pg.PoolClient,
  customerId: string,
  conversationId: string,
  channel: Channel,
  status: "opted_in" | "opted_out",
  source: string,
): Promise<string> {
  await tx.query(
    `INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, $2, $3, $4)
     ON CONFLICT (customer_id, channel) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source, updated_at = now()`,
    [customerId, channel, status, source],
  );
  const text =
    status === "opted_out"
      ? `Customer opted out of ${channel.toUpperCase()}: replies on this channel are blocked until they send START`
      : `Customer opted back in to ${channel.toUpperCase()}`;
  const event = await tx.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
     VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5) RETURNING id`,
    [conversationId, customerId, channel, text, JSON.stringify({ consent: status })],
  );
  return event.rows[0]!.id;
}
