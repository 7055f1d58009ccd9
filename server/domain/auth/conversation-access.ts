// The conversation-side half of "who may do what": loads who owns a conversation and asks the table.
import type pg from "pg";
import { AppError } from "../../errors.ts";
import { assertCan, type Action, type Actor, type OwnedResource } from "./permissions.ts";

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

/**
 * Throws NOT_FOUND, NOT_ASSIGNED (naming the owner) or FORBIDDEN unless the actor may do `action` on
 * the conversation. In a transaction, `lock` takes the conversation's row lock first, so the owner
 * cannot change between this check and the write.
 */
export async function authorizeOnConversation(
  db: Queryable,
  actor: Actor,
  conversationId: string,
  opts: { action?: Action; lock?: boolean } = {},
): Promise<OwnedResource> {
  const { rows } = await db.query<{ assigned_agent_id: string | null; assigned_agent_name: string | null }>(
    `SELECT cv.assigned_agent_id, a.name AS assigned_agent_name
       FROM conversations cv LEFT JOIN agents a ON a.id = cv.assigned_agent_id
      WHERE cv.id = $1 ${opts.lock ? "FOR UPDATE OF cv" : ""}`,
    [conversationId],
  );
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", "No such conversation");
  const owner = { assignedAgentId: row.assigned_agent_id, assignedAgentName: row.assigned_agent_name };
  assertCan(actor, opts.action ?? "conversation.act", owner);
  return owner;
}
