// Overflow: a waiting conversation moves on to its queue's overflow queue after the queue's overflow time,
// or at once when nobody of the queue's members is signed in. It keeps its place by waiting time (the due
// time follows from the same waiting_since and the new queue's target: a trigger recomputes it).
import type pg from "pg";

/** The waiting conversation as the overflow rules read it (its row locked by the caller). */
export interface WaitingRow {
  id: string;
  channel: string;
  customer_id: string;
  queue_id: string | null;
  queue_entered_at: Date | null;
}

interface QueueRule {
  id: string;
  name: string;
  overflow_queue_id: string | null;
  overflow_after_seconds: number | null;
  overflow_when_unstaffed: boolean;
  staffed: boolean;
}

export type OverflowReason = "overflow_time" | "nobody_signed_in";

export interface OverflowOutcome {
  /** Set when the conversation moved: the timeline event that says so. */
  moved: { eventMessageId: string; reason: OverflowReason } | null;
  /** When its (new) queue's overflow time comes, if it has one: routing should look again then. */
  checkAgainAt: Date | null;
}

/** A chain of overflow queues longer than this is cut (admins cannot save cycles, but be safe). */
const MAX_HOPS = 10;

async function queueRule(tx: pg.PoolClient, queueId: string): Promise<QueueRule | null> {
  const { rows } = await tx.query<QueueRule>(
    `SELECT q.id, q.name, q.overflow_queue_id, q.overflow_after_seconds, q.overflow_when_unstaffed,
            EXISTS (SELECT 1 FROM queue_members m JOIN agents a ON a.id = m.agent_id
                     WHERE m.queue_id = q.id AND a.presence <> 'offline') AS staffed
       FROM queues q WHERE q.id = $1`,
    [queueId],
  );
  return rows[0] ?? null;
}

/** Where an unstaffed queue's work goes: the first queue down its overflow chain with someone signed in. */
async function firstStaffedDownstream(tx: pg.PoolClient, from: QueueRule): Promise<QueueRule | null> {
  const seen = new Set([from.id]);
  let next = from.overflow_queue_id ? await queueRule(tx, from.overflow_queue_id) : null;
  while (next && !seen.has(next.id) && seen.size <= MAX_HOPS) {
    if (next.staffed) return next;
    seen.add(next.id);
    next = next.overflow_when_unstaffed && next.overflow_queue_id ? await queueRule(tx, next.overflow_queue_id) : null;
  }
  return null;
}

/** Moves the (locked, waiting) conversation on if its queue's rules say so. */
export async function overflowIfDue(
  tx: pg.PoolClient,
  c: WaitingRow,
): Promise<OverflowOutcome> {
  if (!c.queue_id) return { moved: null, checkAgainAt: null };
  const rule = await queueRule(tx, c.queue_id);
  if (!rule || !rule.overflow_queue_id) return { moved: null, checkAgainAt: null };
  const enteredAt = c.queue_entered_at ?? new Date();
  const overflowAt = rule.overflow_after_seconds ? new Date(enteredAt.getTime() + rule.overflow_after_seconds * 1000) : null;

  let target: QueueRule | null = null;
  let reason: OverflowReason | null = null;
  if (rule.overflow_when_unstaffed && !rule.staffed) {
    target = await firstStaffedDownstream(tx, rule);
    reason = "nobody_signed_in";
  }
  if (!target && overflowAt && overflowAt.getTime() <= Date.now()) {
    target = await queueRule(tx, rule.overflow_queue_id);
    reason = "overflow_time";
  }
  if (!target || !reason) return { moved: null, checkAgainAt: overflowAt };

  const eventMessageId = await moveToQueueRow(tx, c, { toQueueId: target.id, text: overflowText(rule.name, target.name, reason), reason });
  const next = await queueRule(tx, target.id);
  const nextAt = next?.overflow_queue_id && next.overflow_after_seconds ? new Date(Date.now() + next.overflow_after_seconds * 1000) : null;
  return { moved: { eventMessageId, reason }, checkAgainAt: nextAt };
}

function overflowText(from: string, to: string, reason: OverflowReason): string {
  return reason === "nobody_signed_in"
    ? `Moved from ${from} to ${to}: nobody in ${from} is signed in`
    : `Moved from ${from} to ${to}: waited past ${from}'s overflow time`;
}

/**
 * Puts the conversation's row in another queue (the due-time trigger follows) and records it on the
 * timeline. The caller holds the row lock and has checked the queue exists. Returns the event's id.
 */
export async function moveToQueueRow(
  tx: pg.PoolClient,
  c: { id: string; customer_id: string; channel: string; queue_id: string | null },
  opts: { toQueueId: string; text: string; reason: OverflowReason | "moved"; actorId?: string | null },
): Promise<string> {
  await tx.query(`UPDATE conversations SET queue_id = $2, updated_at = now() WHERE id = $1`, [c.id, opts.toQueueId]);
  const event = await tx.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
     VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5, $6) RETURNING id`,
    [c.id, c.customer_id, c.channel, opts.text, opts.actorId ?? null,
     JSON.stringify({ event: "queue_moved", fromQueueId: c.queue_id, toQueueId: opts.toQueueId, reason: opts.reason })],
  );
  return event.rows[0]!.id;
}
