// What the workspace reads: my offers and conversations, a conversation with its customer (the timeline is in timeline.ts).
import type pg from "pg";
import type { ConversationResponse, ConversationView, MessageView, MyWorkResponse } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { claimsAndMatches } from "../chat/chat-profile.ts";
import { loadConversation } from "../queries.ts";
import { loadCustomer } from "../customers/customer-profile.ts";
import type { PrismaClient } from "../../db/client.ts";
import {
  CONVERSATION_COLUMNS,
  conversationView,
  offerView,
  type ConversationRow,
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
