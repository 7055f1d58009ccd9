// The outbound job: hand a queued message to its channel. Transient provider failures are thrown so
// the queue retries with back-off; a permanent one (or the last attempt) ends `failed` with the reason.
import type pg from "pg";
import type { Channel, MessageStatus } from "../../../shared/domain.ts";
import { ChannelSendError, type ChannelAdapter, type StatusUpdate } from "../../../channels/channel.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";

export interface DeliverDeps {
  pool: pg.Pool;
  events: EventPublisher;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
}

export type DeliverOutcome = "sent" | "failed" | "skipped" | "retry";

/** SQL: a status may only move forward (queued < sent < delivered | failed; both of the last are final). */
const RANK_SQL = (s: string) => `(CASE ${s} WHEN 'received' THEN 0 WHEN 'queued' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END)`;

export async function deliverMessage(deps: DeliverDeps, opts: { messageId: string; finalAttempt: boolean }): Promise<DeliverOutcome> {
  const { rows } = await deps.pool.query<{ status: MessageStatus; channel: Channel; body: string; to: string; from: string | null }>(
    `SELECT m.status, m.channel, m.body, cv.customer_address AS to, cv.business_address AS from
       FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.id = $1 AND m.direction = 'outbound'`,
    [opts.messageId],
  );
  const m = rows[0];
  // Already sent (a job run twice) or gone: nothing to do.
  if (!m || m.status !== "queued") return "skipped";
  const adapter = deps.adapters[m.channel];
  if (!adapter) {
    await markFailed(deps, opts.messageId, null, `The ${m.channel} channel is not configured`);
    return "failed";
  }
  try {
    const result = await adapter.send({ messageId: opts.messageId, to: m.to, from: m.from, body: m.body });
    await applyStatus(deps, { messageId: opts.messageId, externalId: result.externalId, status: result.status, errorCode: null, errorMessage: null });
    return "sent";
  } catch (err) {
    const failure = err instanceof ChannelSendError ? err : new ChannelSendError((err as Error).message, true, null);
    if (failure.retryable && !opts.finalAttempt) throw failure;
    const reason = failure.retryable ? `Gave up after repeated failures: ${failure.message}` : failure.message;
    await markFailed(deps, opts.messageId, failure.providerCode, reason);
    return "failed";
  }
}

async function markFailed(deps: DeliverDeps, messageId: string, code: string | null, message: string): Promise<void> {
  await applyStatus(deps, { messageId, externalId: null, status: "failed", errorCode: code, errorMessage: message });
}

/**
 * Moves an outbound message's status forward only, whatever order provider callbacks arrive in.
 * Finds the message by our id when the provider echoes it (our callback URL carries it), else by
 * the provider's id. Returns false when nothing changed (a repeat, a late or backward status).
 */
export async function applyStatus(
  deps: Pick<DeliverDeps, "pool" | "events">,
  update: Omit<StatusUpdate, "externalId"> & { externalId: string | null },
  channel?: Channel,
): Promise<boolean> {
  const where = `(($1::uuid IS NOT NULL AND m.id = $1::uuid AND (m.external_id IS NULL OR $2::text IS NULL OR m.external_id = $2::text))
      OR ($1::uuid IS NULL AND m.channel = $6::"Channel" AND m.external_id = $2::text))`;
  const { rows } = await deps.pool.query<{ id: string }>(
    `UPDATE messages m SET
        external_id = COALESCE(m.external_id, $2),
        status = $3,
        error_code = COALESCE($4, m.error_code),
        error_message = COALESCE($5, m.error_message),
        updated_at = now(),
        change_seq = nextval('message_change_seq')
      WHERE ${where} AND m.direction = 'outbound' AND ${RANK_SQL("m.status")} < ${RANK_SQL("$3::\"MessageStatus\"")}
      RETURNING m.id`,
    [update.messageId, update.externalId, update.status, update.errorCode, update.errorMessage, channel ?? null],
  );
  if (!rows[0]) {
    // A status that does not move forward may still carry the provider id we have not stored yet.
    if (update.messageId && update.externalId) {
      await deps.pool.query(`UPDATE messages SET external_id = $2 WHERE id = $1::uuid AND external_id IS NULL AND direction = 'outbound'`, [update.messageId, update.externalId]);
    }
    return false;
  }
  const loaded = await loadMessage(deps.pool, rows[0].id);
  if (loaded) await deps.events.publish({ type: "message.updated", ...loaded });
  return true;
}
