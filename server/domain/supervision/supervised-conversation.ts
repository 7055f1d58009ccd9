// The conversation as a supervisor's action reads it before acting: who has it, who it is offered to.
import type pg from "pg";
import type { Channel, ConversationStatus } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export interface SupervisedConversation {
  status: ConversationStatus;
  channel: Channel;
  customerId: string;
  queueId: string | null;
  assignedAgentId: string | null;
  assignedAgentName: string | null;
  /** The agent of its pending offer, while it is offered. */
  offeredAgentId: string | null;
}

/** Throws NOT_FOUND, or CONFLICT for a resolved one (nothing to act on). `lock` takes the row lock in a transaction. */
export async function readSupervisedConversation(db: Queryable, conversationId: string, opts: { lock?: boolean } = {}): Promise<SupervisedConversation> {
  const { rows } = await db.query<SupervisedConversation>(
    `SELECT cv.status, cv.channel, cv.customer_id AS "customerId", cv.queue_id AS "queueId",
            cv.assigned_agent_id AS "assignedAgentId", a.name AS "assignedAgentName",
            (SELECT o.agent_id FROM offers o WHERE o.conversation_id = cv.id AND o.status = 'pending' LIMIT 1) AS "offeredAgentId"
       FROM conversations cv LEFT JOIN agents a ON a.id = cv.assigned_agent_id
      WHERE cv.id = $1 ${opts.lock ? "FOR UPDATE OF cv" : ""}`,
    [conversationId],
  );
  const c = rows[0];
  if (!c) throw new AppError("NOT_FOUND", "No such conversation");
  if (c.status === "resolved") throw new AppError("CONFLICT", "This conversation is resolved: there is nothing to change");
  return c;
}

/** The board showed another assignee than the conversation has now (undefined: the caller did not say). */
export function refuseIfChanged(c: SupervisedConversation, fromAgentId: string | null | undefined): void {
  if (fromAgentId === undefined || fromAgentId === c.assignedAgentId) return;
  throw new AppError("CONFLICT", c.assignedAgentName ? `${c.assignedAgentName} has this conversation now: look again` : "The conversation changed meanwhile: look again", {
    assignedAgentId: c.assignedAgentId,
    assignedAgentName: c.assignedAgentName,
  });
}
