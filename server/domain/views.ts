// Database rows → the wire views of shared/api.ts. Queries select the columns these mappers read.
import type { AgentView, ConversationView, CustomerSummary, MessageView, OfferView } from "../../shared/api.ts";
import type { Channel, ConversationStatus, MessageDirection, MessageKind, MessageStatus, OfferStatus } from "../../shared/domain.ts";
import type { EmailDetails } from "../../shared/email.ts";
import { mediaView, type StoredMedia } from "./ingest/stored-media.ts";
import { formatPhone } from "../../shared/phone.ts";
import { conversationReference } from "../../shared/template-variables.ts";

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export interface AgentRow {
  id: string;
  email: string;
  name: string;
  role: AgentView["role"];
  presence: AgentView["presence"];
  skills: string[];
  capacity_voice: number;
  capacity_chat: number;
  capacity_sms: number;
  capacity_email: number;
  forward_phone: string | null;
  deactivated_at: Date | null;
  away_reason_id: string | null;
  away_reason_name: string | null;
}

export const AGENT_COLUMNS =
  "a.id, a.email, a.name, a.role, a.presence, a.skills, a.capacity_voice, a.capacity_chat, a.capacity_sms, a.capacity_email, a.forward_phone, a.deactivated_at, " +
  "a.away_reason_id, (SELECT r.name FROM away_reasons r WHERE r.id = a.away_reason_id) AS away_reason_name";

export function agentView(r: AgentRow): AgentView {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    presence: r.presence,
    skills: r.skills,
    capacity: { voice: r.capacity_voice, chat: r.capacity_chat, sms: r.capacity_sms, email: r.capacity_email },
    forwardPhone: r.forward_phone,
    active: r.deactivated_at === null,
    awayReason: r.away_reason_id ? { id: r.away_reason_id, name: r.away_reason_name ?? "" } : null,
  };
}

export interface ConversationRow {
  id: string;
  channel: Channel;
  status: ConversationStatus;
  assigned_agent_id: string | null;
  customer_address: string;
  business_address: string | null;
  subject: string | null;
  last_message_at: Date;
  created_at: Date;
  /** bigint, read as a string; absent where a producer does not select it. */
  reference?: string | null;
  outcome: ConversationView["outcome"];
  queue_id: string | null;
  queue_name: string | null;
  due_at: Date | null;
  waiting_since: Date | null;
  customer_id: string;
  customer_display_name: string | null;
  /** The customer's best phone or email (verified first, phone before email), to name them without a name. */
  customer_contact: string | null;
  customer_tier: CustomerSummary["tier"];
  /** Set while snoozed; absent where a producer does not select it. */
  snoozed_until?: Date | null;
}

/** Select list for ConversationRow, with `cv` = conversations and `cu` = customers. */
export const CONVERSATION_COLUMNS = `cv.id, cv.channel, cv.status, cv.assigned_agent_id, cv.customer_address, cv.business_address,
  cv.subject, cv.last_message_at, cv.created_at, cv.reference, cv.outcome, cv.queue_id, (SELECT q.name FROM queues q WHERE q.id = cv.queue_id) AS queue_name,
  cv.due_at, cv.waiting_since, cv.customer_id, cu.display_name AS customer_display_name, cu.tier AS customer_tier,
  (SELECT i.value FROM identities i WHERE i.customer_id = cv.customer_id AND i.kind IN ('phone', 'email')
    ORDER BY i.verified DESC, i.kind = 'phone' DESC, i.created_at LIMIT 1) AS customer_contact, cv.snoozed_until`;

/** A customer without a name is named by how we reach them: a phone in one format, an email; never a visitor id. */
function bestAddress(r: ConversationRow): string {
  const address = r.customer_contact ?? (r.channel === "chat" ? null : r.customer_address);
  // An erased customer's addresses are blanked: nothing is left to name them by.
  if (!address) return r.channel === "chat" && r.customer_address ? "Web visitor" : "Erased customer";
  return address.startsWith("+") ? formatPhone(address) : address;
}

export function conversationView(r: ConversationRow): ConversationView {
  return {
    id: r.id,
    channel: r.channel,
    status: r.status,
    assignedAgentId: r.assigned_agent_id,
    customerAddress: r.customer_address,
    businessAddress: r.business_address,
    subject: r.subject,
    lastMessageAt: iso(r.last_message_at),
    createdAt: iso(r.created_at),
    reference: r.reference == null ? null : conversationReference(r.reference),
    outcome: r.outcome,
    queue: r.queue_id ? { id: r.queue_id, name: r.queue_name ?? "" } : null,
    dueAt: r.due_at ? iso(r.due_at) : null,
    waitingSince: r.waiting_since ? iso(r.waiting_since) : null,
    customer: {
      id: r.customer_id,
      displayName: r.customer_display_name ?? bestAddress(r),
      tier: r.customer_tier,
    },
    // Only while snoozed, so every other view reads as before.
    ...(r.snoozed_until ? { snoozedUntil: iso(r.snoozed_until) } : {}),
  };
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  customer_id: string;
  channel: Channel;
  direction: MessageDirection;
  kind: MessageKind;
  body: string;
  media: StoredMedia[];
  status: MessageStatus;
  error_code: string | null;
  error_message: string | null;
  author_agent_id: string | null;
  author_name: string | null;
  created_at: Date;
  read_at: Date | null;
  change_seq: string;
  email: EmailDetails | null;
}

/** Select list for MessageRow, with `m` = messages and `au` = agents (left joined as author). */
export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.customer_id, m.channel, m.direction, m.kind, m.body, m.media, m.status,
  m.error_code, m.error_message, m.author_agent_id, au.name AS author_name, m.created_at, m.read_at, m.change_seq,
  CASE WHEN m.channel = 'email' THEN m.metadata->'email' END AS email`;

export function messageView(r: MessageRow): MessageView {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    customerId: r.customer_id,
    channel: r.channel,
    direction: r.direction,
    kind: r.kind,
    body: r.body,
    media: r.media.map(mediaView),
    status: r.status,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    authorAgentId: r.author_agent_id,
    authorName: r.author_name,
    createdAt: iso(r.created_at),
    readAt: r.read_at ? iso(r.read_at) : null,
    changeSeq: String(r.change_seq),
    ...(r.email ? { email: r.email } : {}),
  };
}

export interface OfferRow {
  id: string;
  agent_id: string;
  channel: Channel;
  status: OfferStatus;
  created_at: Date;
  expires_at: Date;
}

export function offerView(r: OfferRow, conversation: ConversationView): OfferView {
  return {
    id: r.id,
    agentId: r.agent_id,
    channel: r.channel,
    status: r.status,
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    conversation,
  };
}

/** A customer without a name, named by the address of a conversation (the board, service-level alerts). */
export function customerNameOf(displayName: string | null, address: string, channel: Channel): string {
  if (displayName) return displayName;
  if (channel === "sms" || channel === "voice") return formatPhone(address);
  return channel === "chat" ? "Web visitor" : address;
}
