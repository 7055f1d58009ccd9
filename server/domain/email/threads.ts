// Which conversation a mail belongs to: by, in order, the reply token in the address it was sent to, its
// In-Reply-To, then its References (newest first), against the Message-IDs we received and sent. A reply
// from another address (a colleague in Cc) joins the thread too; it never merges customers.
import type pg from "pg";
import type { ConversationStatus } from "../../../shared/domain.ts";
import type { ThreadMatch } from "../../../shared/email.ts";
import type { ParsedMail } from "../../../channels/email/parse-mail.ts";
import { wakeInTransaction } from "../snooze/wake-snoozed.ts";

export interface ThreadRow {
  id: string;
  customer_id: string;
  status: ConversationStatus;
  queue_id: string | null;
  priority: number;
}

const THREAD_COLUMNS = `cv.id, cv.customer_id, cv.status, cv.queue_id, cv.priority`;

export async function findThread(
  db: pg.PoolClient,
  mail: Pick<ParsedMail, "inReplyTo" | "references">,
  token: string | null,
): Promise<{ row: ThreadRow; match: ThreadMatch } | null> {
  if (token) {
    const { rows } = await db.query<ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM conversations cv WHERE cv.reply_token = $1 AND cv.channel = 'email'`, [token]);
    if (rows[0]) return { row: rows[0], match: { by: "reply_token", value: token } };
  }
  if (mail.inReplyTo) {
    const row = await byMessageId(db, [mail.inReplyTo]);
    if (row) return { row: row.thread, match: { by: "in_reply_to", value: mail.inReplyTo } };
  }
  if (mail.references.length) {
    // Outlook trims References to a few ids: any one we know is enough; the newest says most.
    const row = await byMessageId(db, mail.references.slice(-100));
    if (row) return { row: row.thread, match: { by: "references", value: row.externalId } };
  }
  return null;
}

async function byMessageId(db: pg.PoolClient, ids: string[]): Promise<{ thread: ThreadRow; externalId: string } | null> {
  const { rows } = await db.query<ThreadRow & { external_id: string }>(
    `SELECT ${THREAD_COLUMNS}, m.external_id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
      WHERE m.channel = 'email' AND m.external_id = ANY($1::text[])
        -- An erased customer's thread is gone for good: a reply to it starts afresh (migration 0020).
        AND NOT EXISTS (SELECT 1 FROM customers cu WHERE cu.id = cv.customer_id AND cu.erased_at IS NOT NULL)
      ORDER BY array_position($1::text[], m.external_id) DESC LIMIT 1`,
    [ids],
  );
  const r = rows[0];
  return r ? { thread: { id: r.id, customer_id: r.customer_id, status: r.status, queue_id: r.queue_id, priority: r.priority }, externalId: r.external_id } : null;
}

/**
 * A mail on an existing thread: a customer's reply reopens a resolved thread and routes it again
 * (an automated one, such as a bounce or an out-of-office, only joins it), wakes a snoozed one back into
 * its queue, and wakes one that waited on the customer. Returns whether the conversation now waits for an agent.
 */
export async function reopenOrTouch(
  db: pg.PoolClient,
  conversationId: string,
  opts: { reopen: boolean },
): Promise<{ row: ThreadRow; waiting: boolean; woke: boolean }> {
  // Snoozed: woken as every channel wakes it (queued, "Snooze ended" on the timeline); the update below then finds it queued.
  const woken = opts.reopen
    ? await wakeInTransaction(db, { conversationId, until: null, reason: "customer_message", actorId: null, text: "Snooze ended: the customer wrote again" })
    : null;
  const { rows } = await db.query<ThreadRow & { was: ConversationStatus }>(
    `WITH was AS (SELECT id, status FROM conversations WHERE id = $1 FOR UPDATE)
     UPDATE conversations cv SET last_message_at = now(), updated_at = now(),
        status = CASE
          WHEN $2 AND cv.status IN ('resolved', 'snoozed') THEN 'queued'
          WHEN $2 AND cv.status = 'pending_customer' THEN 'assigned'
          ELSE cv.status END::"ConversationStatus",
        waiting_since = CASE WHEN $2 AND cv.status IN ('resolved', 'snoozed') THEN now() ELSE cv.waiting_since END,
        assigned_agent_id = CASE WHEN $2 AND cv.status IN ('resolved', 'snoozed') THEN NULL ELSE cv.assigned_agent_id END,
        resolved_at = CASE WHEN $2 AND cv.status IN ('resolved', 'snoozed') THEN NULL ELSE cv.resolved_at END
       FROM was WHERE cv.id = was.id
     RETURNING ${THREAD_COLUMNS}, was.status AS was`,
    [conversationId, opts.reopen],
  );
  const r = rows[0]!;
  return { row: r, waiting: woken !== null || (r.status === "queued" && r.was !== "queued"), woke: woken !== null };
}
