// After an erasure: open workspaces replace what they show of the customer with the erased rows
// (blank messages, conversations without address or subject), as for any other change.
import type pg from "pg";
import type { DomainEvent, EventPublisher } from "../events.ts";
import { CONVERSATION_COLUMNS, MESSAGE_COLUMNS, conversationView, messageView, type ConversationRow, type MessageRow } from "../views.ts";

/** The newest this many messages are pushed; older ones a workspace reads afresh when it opens the customer. */
const MAX_MESSAGES = 2000;

export async function announceErasure(deps: { pool: pg.Pool; events: EventPublisher }, customerIds: string[]): Promise<void> {
  const conversations = await deps.pool.query<ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
      WHERE cv.customer_id = ANY($1::uuid[]) ORDER BY cv.last_message_at DESC LIMIT 500`,
    [customerIds],
  );
  const messages = await deps.pool.query<MessageRow & { assigned_agent_id: string | null }>(
    `SELECT ${MESSAGE_COLUMNS}, cv.assigned_agent_id FROM messages m
       JOIN conversations cv ON cv.id = m.conversation_id LEFT JOIN agents au ON au.id = m.author_agent_id
      WHERE m.customer_id = ANY($1::uuid[]) ORDER BY m.created_at DESC LIMIT $2`,
    [customerIds, MAX_MESSAGES],
  );
  const events: DomainEvent[] = [
    ...conversations.rows.map((r) => ({ type: "conversation.updated" as const, conversation: conversationView(r) })),
    ...messages.rows.map((r) => ({ type: "message.updated" as const, message: messageView(r), assignedAgentId: r.assigned_agent_id })),
  ];
  for (let i = 0; i < events.length; i += 200) await deps.events.publish(...events.slice(i, i + 200));
}
