// A snoozed conversation wakes back into its queue, routed like any waiting work: at its time (a delayed
// job, and the sweep when Redis lost it), at the customer's next message (ingest and email threading call
// the SQL function `wake_snoozed_conversation` in their own transactions), or early by its agent.
// The one SQL function does the waking everywhere; this file announces it and queues the routing.
import type pg from "pg";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";

export interface WakeDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: Pick<WorkQueues, "routeConversation">;
}

/** What `wake_snoozed_conversation` returns when it woke the conversation. */
export interface Woken {
  event_id: string;
  previous_agent_id: string | null;
  priority: number;
}

export type WakeReason = "time" | "customer_message" | "unsnoozed";

/** Calls the SQL function in the caller's transaction; null when there was nothing to wake. */
export async function wakeInTransaction(
  tx: pg.PoolClient,
  opts: { conversationId: string; until: Date | null; reason: WakeReason; actorId: string | null; text: string },
): Promise<Woken | null> {
  const { rows } = await tx.query<Woken>(`SELECT * FROM wake_snoozed_conversation($1, $2, $3, $4, $5)`, [
    opts.conversationId, opts.until, opts.reason, opts.actorId, opts.text,
  ]);
  return rows[0] ?? null;
}

/**
 * After commit: the conversation (to the agent who had it too, so it leaves their snoozed list) and its
 * "Snooze ended" event. Without `woken`, the latest such event of the conversation is the one announced.
 */
export async function announceWake(deps: Pick<WakeDeps, "pool" | "events">, conversationId: string, woken?: Pick<Woken, "event_id" | "previous_agent_id">): Promise<void> {
  let event = woken;
  if (!event) {
    const { rows } = await deps.pool.query<{ event_id: string; previous_agent_id: string | null }>(
      `SELECT id AS event_id, (metadata->>'previousAgentId')::uuid AS previous_agent_id FROM messages
        WHERE conversation_id = $1 AND kind = 'event' AND metadata->>'event' = 'snooze_ended' ORDER BY created_at DESC, id DESC LIMIT 1`,
      [conversationId],
    );
    event = rows[0];
  }
  const [conversation, message] = await Promise.all([loadConversation(deps.pool, conversationId), event ? loadMessage(deps.pool, event.event_id) : null]);
  await deps.events.publish(
    ...(conversation ? [{ type: "conversation.updated" as const, conversation, alsoAgentIds: event?.previous_agent_id ? [event.previous_agent_id] : [] }] : []),
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
  );
}

export type EndSnoozeOutcome = { outcome: "woken" } | { outcome: "not_due"; at: Date } | { outcome: "nothing" };

/** The snooze that ends at `until` ends now, if the conversation is still in that snooze. */
export async function endSnooze(deps: WakeDeps, opts: { conversationId: string; until: Date }): Promise<EndSnoozeOutcome> {
  const woken = await withTransaction(deps.pool, (tx) =>
    wakeInTransaction(tx, { ...opts, reason: "time", actorId: null, text: "Snooze ended: its time came" }),
  );
  if (!woken) {
    // Before its time by the database's clock (a job a little early): BullMQ tries again after its back-off.
    const { rows } = await deps.pool.query<{ at: Date }>(
      `SELECT snoozed_until AS at FROM conversations WHERE id = $1 AND status = 'snoozed' AND snoozed_until = $2 AND snoozed_until > now()`,
      [opts.conversationId, opts.until],
    );
    return rows[0] ? { outcome: "not_due", at: rows[0].at } : { outcome: "nothing" };
  }
  await announceWake(deps, opts.conversationId, woken);
  await deps.queues.routeConversation(opts.conversationId, woken.priority);
  return { outcome: "woken" };
}

/** Left to the delayed job before the sweep wakes a conversation itself. */
const GRACE_SECONDS = 5;
/** Snoozes ending within this get their job (again) each sweep. */
const HORIZON_SECONDS = 3600;

export interface SweepSnoozesResult {
  woken: number;
  scheduled: number;
}

/** Wakes the snoozes whose time passed without their job (Redis lost it), and re-creates the jobs of those ending soon. */
export async function sweepSnoozes(
  deps: WakeDeps & { queues: Pick<WorkQueues, "routeConversation" | "scheduleSnoozeEnd"> },
  opts: { limit?: number; graceSeconds?: number } = {},
): Promise<SweepSnoozesResult> {
  const limit = opts.limit ?? 500;
  const grace = opts.graceSeconds ?? GRACE_SECONDS;
  const overdue = await deps.pool.query<{ id: string; snoozed_until: Date }>(
    `SELECT id, snoozed_until FROM conversations WHERE status = 'snoozed' AND snoozed_until < now() - make_interval(secs => $2)
      ORDER BY snoozed_until LIMIT $1`,
    [limit, grace],
  );
  let woken = 0;
  for (const c of overdue.rows) {
    if ((await endSnooze(deps, { conversationId: c.id, until: c.snoozed_until })).outcome === "woken") woken++;
  }
  const soon = await deps.pool.query<{ id: string; snoozed_until: Date }>(
    `SELECT id, snoozed_until FROM conversations WHERE status = 'snoozed'
        AND snoozed_until >= now() - make_interval(secs => $2) AND snoozed_until < now() + make_interval(secs => $3)
      ORDER BY snoozed_until LIMIT $1`,
    [limit, grace, HORIZON_SECONDS],
  );
  for (const c of soon.rows) await deps.queues.scheduleSnoozeEnd(c.id, c.snoozed_until);
  return { woken, scheduled: soon.rows.length };
}
