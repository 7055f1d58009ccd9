// What the workspace reads: my offers and conversations, a conversation with its customer (the timeline is in timeline.ts).
import type pg from "pg";
import type { ConversationResponse, CustomerView, MyWorkResponse } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { claimsAndMatches } from "../chat/chat-profile.ts";
import { loadConversation } from "../queries.ts";
import {
  CONVERSATION_COLUMNS,
  conversationView,
  offerView,
  type ConversationRow,
  type OfferRow,
} from "../views.ts";

type Deps = { pool: pg.Pool };

export async function myWork(deps: Deps, agentId: string): Promise<MyWorkResponse> {
  const offers = await deps.pool.query<ConversationRow & { offer: OfferRow }>(
    `SELECT ${CONVERSATION_COLUMNS}, json_build_object('id', o.id, 'agent_id', o.agent_id, 'channel', o.channel,
            'status', o.status, 'created_at', o.created_at, 'expires_at', o.expires_at) AS offer
       FROM offers o JOIN conversations cv ON cv.id = o.conversation_id JOIN customers cu ON cu.id = cv.customer_id
      WHERE o.agent_id = $1 AND o.status = 'pending' ORDER BY o.created_at`,
    [agentId],
  );
  const conversations = await deps.pool.query<ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
      WHERE cv.assigned_agent_id = $1 AND cv.status IN ('assigned', 'pending_customer', 'snoozed')
      ORDER BY cv.last_message_at DESC`,
    [agentId],
  );
  return {
    offers: offers.rows.map((r) => offerView(r.offer, conversationView(r))),
    conversations: conversations.rows.map(conversationView),
  };
}

export async function loadCustomer(deps: Deps, customerId: string): Promise<CustomerView> {
  const { rows } = await deps.pool.query<{
    id: string;
    display_name: string | null;
    tier: CustomerView["tier"];
    identities: CustomerView["identities"];
    consents: CustomerView["consents"];
  }>(
    `SELECT c.id, c.display_name, c.tier,
       COALESCE((SELECT json_agg(json_build_object('kind', i.kind, 'value', i.value, 'verified', i.verified) ORDER BY i.created_at)
                 FROM identities i WHERE i.customer_id = c.id), '[]') AS identities,
       COALESCE((SELECT json_agg(json_build_object('channel', s.channel, 'status', s.status, 'updatedAt', s.updated_at))
                 FROM consents s WHERE s.customer_id = c.id), '[]') AS consents
     FROM customers c WHERE c.id = $1`,
    [customerId],
  );
  const r = rows[0];
  if (!r) throw new AppError("NOT_FOUND", "No such customer");
  return { id: r.id, displayName: r.display_name, tier: r.tier, identities: r.identities, consents: r.consents };
}

export async function conversationWithCustomer(deps: Deps, conversationId: string): Promise<ConversationResponse> {
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
