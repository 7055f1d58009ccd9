// When a queue answers (its business hours), where a waiting customer is in line, and the out-of-hours
// path of chat: a message left with an email address becomes queued work answered by email.
import type pg from "pg";
import type { ChatSession, ChatWait } from "../../../shared/chat.ts";
import { BusinessHours, isOpen } from "../../../shared/business-hours.ts";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";

export type AfterMaxWait = "voicemail" | "callback" | "message";

/** Where work from an entry point lands: the number's or widget's queue, else the default queue. */
export type EntryPoint = { channel: "sms" | "voice" | "chat" | "email"; to: string | null } | { queueId: string } | { conversationId: string };

export interface QueueAvailability extends Omit<ChatSession["availability"], "open"> {
  open: boolean;
  queueId: string | null;
  afterMaxWait: AfterMaxWait;
}

const entryKind = (e: EntryPoint) => ("queueId" in e ? "queue" : "conversationId" in e ? "conversation" : "entry");
const QUEUE_OF = {
  queue: "$1",
  conversation: "(SELECT queue_id FROM conversations WHERE id = $1)",
  entry: `entry_queue_id($1::"Channel", $2)`,
} as const;

/** Whether the queue an entry point (or a conversation) leads to answers now, and its waiting limit. */
export async function queueAvailability(pool: pg.Pool, entry: EntryPoint, now: Date = new Date()): Promise<QueueAvailability> {
  const { rows } = await pool.query<{ id: string; timezone: string; business_hours: unknown; max_wait_seconds: number; after_max_wait: AfterMaxWait }>(
    `SELECT id, timezone, business_hours, max_wait_seconds, after_max_wait FROM queues WHERE id = ${QUEUE_OF[entryKind(entry)]}`,
    "queueId" in entry ? [entry.queueId] : "conversationId" in entry ? [entry.conversationId] : [entry.channel, entry.to],
  );
  const q = rows[0];
  if (!q) {
    return { open: false, message: "Chat is not set up yet: leave a message and we will answer by email.", maxWaitSeconds: 0, queueId: null, afterMaxWait: "message" };
  }
  const hours = BusinessHours.safeParse(q.business_hours);
  const open = !hours.success || isOpen(hours.data, q.timezone, now);
  return {
    open,
    message: open ? null : "We are closed right now. Leave a message with your email address and we will answer as soon as we are back.",
    maxWaitSeconds: q.max_wait_seconds,
    queueId: q.id,
    afterMaxWait: q.after_max_wait,
  };
}

/** What the chat widget is told: its widget's queue's hours and waiting limit. */
export async function chatAvailability(pool: pg.Pool, widgetKey: string, now: Date = new Date()): Promise<ChatSession["availability"]> {
  const { open, message, maxWaitSeconds } = await queueAvailability(pool, { channel: "chat", to: widgetKey }, now);
  return { open, message, maxWaitSeconds };
}

const DEFAULT_WAIT_PER_POSITION_SECONDS = 60;
/** A promise of "0 seconds" is never kept: no estimate goes below this per place in line. */
const MIN_WAIT_PER_POSITION_SECONDS = 10;

/** The visitor's place in line (all waiting work, in routing order) and an estimate from the last hour. */
export async function chatWait(pool: pg.Pool, visitorId: string): Promise<ChatWait> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM conversations WHERE channel = 'chat' AND customer_address = $1 AND status IN ('queued', 'offered')
      ORDER BY created_at DESC LIMIT 1`,
    [visitorId],
  );
  return rows[0] ? positionInLine(pool, rows[0].id) : { position: null, estimateSeconds: null };
}

/** A waiting conversation's place in line (the waiting work of its queue, earliest due first) and an estimate. */
export async function positionInLine(pool: pg.Pool, conversationId: string): Promise<ChatWait> {
  const { rows } = await pool.query<{ position: number | null; average: number | null; waiting: boolean }>(
    `WITH mine AS (
       SELECT id, queue_id, due_at, waiting_since FROM conversations
        WHERE id = $1 AND status IN ('queued', 'offered') AND waiting_since IS NOT NULL
     )
     SELECT (SELECT count(*)::int + 1 FROM conversations cv, mine
              WHERE cv.status IN ('queued', 'offered') AND cv.waiting_since IS NOT NULL AND cv.queue_id IS NOT DISTINCT FROM mine.queue_id
                AND (cv.due_at, cv.waiting_since, cv.id) < (mine.due_at, mine.waiting_since, mine.id)) AS position,
            (SELECT extract(epoch FROM avg(o.responded_at - cv.created_at))::float
               FROM offers o JOIN conversations cv ON cv.id = o.conversation_id
              WHERE o.status = 'accepted' AND o.responded_at > now() - interval '1 hour') AS average,
            EXISTS (SELECT 1 FROM mine) AS waiting`,
    [conversationId],
  );
  const r = rows[0]!;
  if (!r.waiting) return { position: null, estimateSeconds: null };
  const perPosition = Math.max(MIN_WAIT_PER_POSITION_SECONDS, r.average && r.average > 0 ? r.average : DEFAULT_WAIT_PER_POSITION_SECONDS);
  return { position: r.position, estimateSeconds: Math.round(perPosition * (r.position ?? 1)) };
}

/**
 * A message left in the widget. It is stored on the visitor's own customer record; the typed email is
 * only where to answer (unverified, so it links to nobody), and the conversation is queued for an agent.
 * Idempotent on the visitor's client id.
 */
export async function leaveMessage(
  deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues },
  opts: { visitorId: string; widgetKey: string; clientId: string; email: string; body: string },
): Promise<void> {
  const externalId = `${opts.visitorId}:${opts.clientId}`;
  const created = await withTransaction(deps.pool, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`chat_visitor:${opts.visitorId}`]);
    const again = await tx.query(`SELECT 1 FROM messages WHERE channel = 'email' AND external_id = $1`, [externalId]);
    if (again.rowCount) return null;
    let customer = await tx.query<{ customer_id: string }>(
      `SELECT i.customer_id FROM identities i WHERE i.kind = 'chat_visitor' AND i.value = $1`,
      [opts.visitorId],
    );
    if (!customer.rows[0]) {
      customer = await tx.query(
        `WITH c AS (INSERT INTO customers DEFAULT VALUES RETURNING id)
         INSERT INTO identities (customer_id, kind, value, verified, source) SELECT id, 'chat_visitor', $1, true, $2 FROM c
         RETURNING customer_id`,
        [opts.visitorId, `chat:${opts.widgetKey}`],
      );
    }
    const { customer_id: customerId } = customer.rows[0]!;
    // The widget's queue takes it, answered by email (its due time is that queue's email target).
    const conversation = await tx.query<{ id: string; priority: number }>(
      `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, subject, waiting_since)
       VALUES ($1, 'email', 'queued', entry_queue_id('chat', $3), $2, 'Message left in the chat widget', now())
       RETURNING id, priority`,
      [customerId, opts.email, opts.widgetKey],
    );
    const message = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, external_id, status, metadata)
       VALUES ($1, $2, 'email', 'inbound', 'text', $3, $4, 'received', $5) RETURNING id`,
      [conversation.rows[0]!.id, customerId, opts.body, externalId, JSON.stringify({ leftInChat: true, replyTo: opts.email, verified: false })],
    );
    return { conversationId: conversation.rows[0]!.id, priority: conversation.rows[0]!.priority, messageId: message.rows[0]!.id };
  });
  if (!created) return;
  const [conversation, message] = await Promise.all([loadConversation(deps.pool, created.conversationId), loadMessage(deps.pool, created.messageId)]);
  await deps.events.publish(
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
  );
  await deps.queues.routeConversation(created.conversationId, created.priority);
}
