// Loading views by id: one query each, used after commits to announce what changed.
import type pg from "pg";
import type { ConversationView, MessageView } from "../../shared/api.ts";
import {
  CONVERSATION_COLUMNS,
  MESSAGE_COLUMNS,
  conversationView,
  messageView,
  type ConversationRow,
  type MessageRow,
} from "./views.ts";

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export async function loadConversation(db: Queryable, id: string): Promise<ConversationView | null> {
  const { rows } = await db.query<ConversationRow>({
    // Named: planned once per connection; every announcement loads one.
    name: "load_conversation",
    text: `SELECT ${CONVERSATION_COLUMNS} FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id WHERE cv.id = $1`,
    values: [id],
  });
  return rows[0] ? conversationView(rows[0]) : null;
}

export async function loadMessage(db: Queryable, id: string): Promise<{ message: MessageView; assignedAgentId: string | null } | null> {
  const { rows } = await db.query<MessageRow & { assigned_agent_id: string | null }>(
    `SELECT ${MESSAGE_COLUMNS}, cv.assigned_agent_id FROM messages m
       JOIN conversations cv ON cv.id = m.conversation_id
       LEFT JOIN agents au ON au.id = m.author_agent_id
      WHERE m.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { message: messageView(r), assignedAgentId: r.assigned_agent_id } : null;
}
