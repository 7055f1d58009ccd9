// What the workspace reads: my offers and conversations, a conversation with its customer, the timeline.
import type pg from "pg";
import type { ConversationResponse, ConversationView, MessageView, MyWorkResponse, TimelineChanges, TimelinePage } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { claimsAndMatches } from "../chat/chat-profile.ts";
import { loadConversation } from "../queries.ts";
import { loadCustomer } from "../customers/customer-profile.ts";
import type { PrismaClient } from "../../db/client.ts";
import {
  CONVERSATION_COLUMNS,
  MESSAGE_COLUMNS,
  conversationView,
  messageView,
  offerView,
  type ConversationRow,
  type MessageRow,
  type OfferRow,
} from "../views.ts";

type Deps = { pool: pg.Pool };

// The work list's extras: the last message of each conversation and the customer's messages no agent
// has seen yet (read_at is set when an agent has the conversation open: conversation:seen).
const LIST_EXTRAS = `,
  (SELECT json_build_object('body', left(lm.body, 160), 'direction', lm.direction, 'kind', lm.kind, 'at', lm.created_at)
     FROM messages lm WHERE lm.conversation_id = cv.id AND lm.kind <> 'event'
    ORDER BY lm.created_at DESC, lm.id DESC LIMIT 1) AS preview,
  (SELECT count(*)::int FROM messages um WHERE um.conversation_id = cv.id AND um.direction = 'inbound' AND um.read_at IS NULL) AS unread_count`;

type ListRow = ConversationRow & { preview: { body: string; direction: MessageView["direction"]; kind: MessageView["kind"]; at: string } | null; unread_count: number };

function listView(r: ListRow): ConversationView {
  const preview = r.preview ? { ...r.preview, at: new Date(r.preview.at).toISOString() } : null;
  return { ...conversationView(r), preview, unreadCount: r.unread_count };
}

export async function myWork(deps: Deps, agentId: string): Promise<MyWorkResponse> {
  const offers = await deps.pool.query<ListRow & { offer: OfferRow }>(
    `SELECT ${CONVERSATION_COLUMNS}${LIST_EXTRAS}, json_build_object('id', o.id, 'agent_id', o.agent_id, 'channel', o.channel,
            'status', o.status, 'created_at', o.created_at, 'expires_at', o.expires_at) AS offer
       FROM offers o JOIN conversations cv ON cv.id = o.conversation_id JOIN customers cu ON cu.id = cv.customer_id
      WHERE o.agent_id = $1 AND o.status = 'pending' ORDER BY o.created_at`,
    [agentId],
  );
  const conversations = await deps.pool.query<ListRow>(
    `SELECT ${CONVERSATION_COLUMNS}${LIST_EXTRAS} FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
      WHERE cv.assigned_agent_id = $1 AND cv.status IN ('assigned', 'pending_customer')
      ORDER BY cv.last_message_at DESC`,
    [agentId],
  );
  // Snoozed ones are out of the active list until they wake, but stay findable (and wake-able early).
  const snoozed = await deps.pool.query<ListRow>(
    `SELECT ${CONVERSATION_COLUMNS}${LIST_EXTRAS} FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
      WHERE cv.assigned_agent_id = $1 AND cv.status = 'snoozed'
      ORDER BY cv.snoozed_until, cv.id`,
    [agentId],
  );
  return {
    offers: offers.rows.map((r) => offerView(r.offer, listView(r))),
    conversations: conversations.rows.map(listView),
    snoozed: snoozed.rows.map(listView),
  };
}

export async function conversationWithCustomer(deps: Deps & { prisma: PrismaClient }, conversationId: string): Promise<ConversationResponse> {
  const conversation = await loadConversation(deps.pool, conversationId);
  if (!conversation) throw new AppError("NOT_FOUND", "No such conversation");
  const customer = await loadCustomer(deps, conversation.customer.id);
  const others = await deps.pool.query<ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
      WHERE cv.customer_id = $1 AND cv.id <> $2 AND cv.status <> 'resolved' ORDER BY cv.last_message_at DESC`,
    [conversation.customer.id, conversationId],
  );
  const claims = await claimsAndMatches(deps.pool, { channel: conversation.channel, customerAddress: conversation.customerAddress, customerId: conversation.customer.id });
  return { conversation, customer, otherOpenConversations: others.rows.map(conversationView), ...claims };
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) throw new AppError("VALIDATION", "Invalid timeline cursor");
  return { createdAt, id };
}

/** The customer's whole history across conversations and channels, newest page first (keyset paging). */
export async function timelinePage(deps: Deps, opts: { customerId: string; before?: string | undefined; limit: number }): Promise<TimelinePage> {
  const cursor = opts.before ? decodeCursor(opts.before) : null;
  const { rows } = await deps.pool.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m LEFT JOIN agents au ON au.id = m.author_agent_id
      WHERE m.customer_id = $1 ${cursor ? "AND (m.created_at, m.id) < ($3, $4)" : ""}
      ORDER BY m.created_at DESC, m.id DESC LIMIT $2`,
    cursor ? [opts.customerId, opts.limit + 1, cursor.createdAt, cursor.id] : [opts.customerId, opts.limit + 1],
  );
  const hasOlder = rows.length > opts.limit;
  const page = rows.slice(0, opts.limit);
  const oldest = page[page.length - 1];
  const seq = await deps.pool.query<{ max: string | null }>(`SELECT max(change_seq) AS max FROM messages WHERE customer_id = $1`, [opts.customerId]);
  return {
    messages: page.reverse().map(messageView),
    olderCursor: hasOlder && oldest ? encodeCursor(oldest.created_at, oldest.id) : null,
    changeCursor: seq.rows[0]?.max ?? "0",
  };
}

// A change_seq is taken when a row is written but becomes visible at commit, so a lower number can
// appear after a higher one was read. Re-reading this many numbers behind the cursor covers
// transactions still in flight; clients merge by id and changeSeq, so a repeat is harmless.
const IN_FLIGHT_WINDOW = 1000n;

export async function timelineChanges(deps: Deps, opts: { customerId: string; since: string }): Promise<TimelineChanges> {
  const since = BigInt(opts.since) - IN_FLIGHT_WINDOW;
  const { rows } = await deps.pool.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m LEFT JOIN agents au ON au.id = m.author_agent_id
      WHERE m.customer_id = $1 AND m.change_seq > $2 ORDER BY m.change_seq LIMIT 1000`,
    [opts.customerId, (since < 0n ? 0n : since).toString()],
  );
  const last = rows[rows.length - 1];
  const cursor = last && BigInt(last.change_seq) > BigInt(opts.since) ? last.change_seq : opts.since;
  return { messages: rows.map(messageView), changeCursor: String(cursor) };
}
