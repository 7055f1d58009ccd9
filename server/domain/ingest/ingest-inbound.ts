// ingest(event): in one transaction resolve the customer, find or open the conversation and store the
// message once; after commit announce it and queue routing (shared/DESIGN.md, "Data flow").
// The transaction is one call of the SQL function `ingest_inbound_message` (migration 0002): one round
// trip instead of eight, which is what lets a 2-core machine take a thousand texts a second.
// Hand SQL kept on a hot path: bench sms-ingest (also email-ingest and chat: every channel's inbound goes through here).
import type pg from "pg";
import type { ConversationView, MessageView } from "../../../shared/api.ts";
import type { CustomerTier, Channel, ConversationStatus } from "../../../shared/domain.ts";
import { InboundEvent, type InboundEventInput } from "../../../shared/inbound.ts";
import { AppError } from "../../errors.ts";
import type { DomainEvent, EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";
import { mediaView, storedMediaOf } from "./stored-media.ts";
import { announceWake } from "../snooze/wake-snoozed.ts";
import { conversationView } from "../views.ts";
import { consentEventText } from "../privacy/consent-ledger.ts";
import type { WorkQueues } from "../work-queues.ts";

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

interface IngestRow {
  message_id: string;
  conversation_id: string;
  customer_id: string;
  created: boolean;
  opened: boolean;
  waiting: boolean;
  priority: number;
  message_created_at: Date;
  message_change_seq: string;
  consent_event_id: string | null;
  conversation_status: ConversationStatus;
  assigned_agent_id: string | null;
  customer_address: string;
  business_address: string | null;
  subject: string | null;
  conversation_created_at: Date;
  customer_display_name: string | null;
  customer_tier: CustomerTier;
  queue_id: string | null;
  queue_name: string | null;
  due_at: Date | null;
}

const INGEST_SQL = `SELECT * FROM ingest_inbound_message($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

const messageKind = (event: InboundEvent) => event.kind ?? (event.channel === "email" ? "email" : "text");

/** The consent event's words (migration 0020 completes its metadata): "Opted out of SMS (replied STOP)". */
function consentText(event: InboundEvent, status: "opted_in" | "opted_out"): string {
  const keyword = event.body.trim().split(/\s+/)[0]?.toUpperCase().slice(0, 20) || null;
  if (event.channel !== "sms") return consentEventText({ channel: event.channel, status, source: "agent" });
  return consentEventText({ channel: "sms", status, source: status === "opted_out" ? "sms_stop" : "sms_start", keyword });
}

export async function ingestInbound(deps: IngestDeps, input: InboundEventInput): Promise<IngestResult> {
  const parsed = InboundEvent.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION", "Invalid inbound event", parsed.error.issues);
  const event = parsed.data;
  const receivedAt = event.receivedAt ?? new Date();
  // Provider-held files (MMS) are stored as pending and fetched by a job; their URLs stay here.
  const media = storedMediaOf(event.media);

  const { rows } = await deps.pool.query<IngestRow>({
    // A named statement is parsed and planned once per connection.
    name: "ingest_inbound_message",
    text: INGEST_SQL,
    values: [
      event.channel,
      event.externalId,
      event.from.kind,
      event.from.value,
      event.from.verified,
      event.to ?? null,
      event.body,
      messageKind(event),
      JSON.stringify(media),
      event.subject ?? null,
      JSON.stringify(event.metadata),
      receivedAt,
      event.consentChange ?? null,
      event.consentChange ? consentText(event, event.consentChange) : null,
    ],
  });
  const r = rows[0]!;
  const result = { messageId: r.message_id, conversationId: r.conversation_id, customerId: r.customer_id, created: r.created };
  if (!r.created) return result;

  // After commit: announce, then queue routing. A failure here delays but never loses anything:
  // clients catch up from their cursor, and the sweeper re-queues conversations still waiting.
  const message: MessageView = {
    id: r.message_id,
    conversationId: r.conversation_id,
    customerId: r.customer_id,
    channel: event.channel,
    direction: "inbound",
    kind: messageKind(event),
    body: event.body,
    media: media.map(mediaView),
    status: "received",
    errorCode: null,
    errorMessage: null,
    authorAgentId: null,
    authorName: null,
    createdAt: new Date(r.message_created_at).toISOString(),
    readAt: null,
    changeSeq: String(r.message_change_seq),
  };
  const events: DomainEvent[] = [];
  if (r.opened) events.push({ type: "conversation.updated", conversation: openedConversation(r, event.channel, receivedAt) });
  events.push({ type: "message.created", message, assignedAgentId: r.assigned_agent_id });
  if (r.consent_event_id) {
    const consentEvent = await loadMessage(deps.pool, r.consent_event_id);
    if (consentEvent) events.push({ type: "message.created", ...consentEvent });
  }
  await deps.events.publish(...events);
  // Waiting, yet not opened: it was snoozed, and this message woke it (the SQL function did, in the same transaction).
  if (r.waiting && !r.opened) await announceWake(deps, r.conversation_id);
  // Lost with Redis, or never queued (a crash here): the media sweep finds pending files in Postgres.
  if (r.created && media.some((m) => m.state === "pending")) await deps.queues.fetchMessageMedia(r.message_id);
  if (r.waiting) await deps.queues.routeConversation(r.conversation_id, r.priority);
  return result;
}

function openedConversation(r: IngestRow, channel: Channel, receivedAt: Date): ConversationView {
  return conversationView({
    id: r.conversation_id,
    channel,
    status: r.conversation_status,
    assigned_agent_id: r.assigned_agent_id,
    customer_address: r.customer_address,
    business_address: r.business_address,
    subject: r.subject,
    last_message_at: receivedAt,
    created_at: r.conversation_created_at,
    outcome: null,
    queue_id: r.queue_id,
    queue_name: r.queue_name,
    due_at: r.due_at,
    // Just opened: it waits from this message (the exact stored time follows with its next update).
    waiting_since: r.waiting ? receivedAt : null,
    customer_id: r.customer_id,
    customer_display_name: r.customer_display_name,
    // The address it came from names the customer (the ingest does not read their other identities).
    customer_contact: null,
    customer_tier: r.customer_tier,
  });
}
