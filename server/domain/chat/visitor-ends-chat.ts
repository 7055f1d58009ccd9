// A chat visitor ends their chat ("End chat" in the widget). It ends as an agent's resolve does
// (workspace/resolve-conversation.ts): a pending offer withdrawn, agents and the board told, the visitor's
// tabs shown "The chat has ended". One that still waited for an agent was abandoned, as a caller who
// hangs up in the queue abandons: its wait in the contact history ends so, and the reports count it.
// Closing the widget or leaving the page is not ending: the visitor may come back to the same chat.
import type pg from "pg";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import type { WorkQueues } from "../work-queues.ts";
import { announceEnded, endConversation } from "../workspace/resolve-conversation.ts";

/** Ends the visitor's open chat; `ended` is false when none was open (a repeat, or another tab was first). */
export async function visitorEndsChat(deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues }, opts: { visitorId: string }): Promise<{ ended: boolean }> {
  const ended = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ id: string; customer_id: string; status: string; waited: number | null }>(
      `SELECT id, customer_id, status, extract(epoch FROM now() - waiting_since)::int AS waited FROM conversations
        WHERE channel = 'chat' AND customer_address = $1 AND status <> 'resolved' ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      [opts.visitorId],
    );
    const c = rows[0];
    if (!c) return null;
    const abandoned = c.status === "queued" || c.status === "offered";
    return endConversation(tx, {
      conversationId: c.id,
      customerId: c.customer_id,
      channel: "chat",
      text: abandoned ? `The visitor ended the chat after waiting ${c.waited ?? 0} s (abandoned)` : "The visitor ended the chat",
      authorAgentId: null,
      event: abandoned ? "abandoned" : "visitor_ended",
      abandoned,
      by: null,
    });
  });
  if (!ended) return { ended: false };
  await announceEnded(deps, ended);
  return { ended: true };
}
