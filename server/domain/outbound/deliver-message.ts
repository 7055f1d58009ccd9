// The outbound job: hand a queued message to its channel, as an outbox. Each attempt is recorded before
// the provider call; the provider call and the status write are separate steps, so a failure after the
// provider accepted (database, Redis) never resends nor fails the message: the next attempt finds the
// accepted message at the provider (findSent) instead. Transient failures are thrown so the queue retries
// with back-off; a permanent one ends `failed` with the reason; a refused credential holds the channel.
import type pg from "pg";
import type { Channel, MessageStatus } from "../../../shared/domain.ts";
import { ChannelSendError, type ChannelAdapter, type OutboundMessage, type SendResult, type StatusUpdate } from "../../../channels/channel.ts";
import type { Logger } from "../../log.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { markChannelFailing, markChannelHealthy } from "./channel-health.ts";
import { outboundEmailOf } from "../email/outbound-email.ts";

export interface DeliverDeps {
  pool: pg.Pool;
  events: EventPublisher;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  log: Logger;
  /** Held sends go out again once their channel recovers. */
  queues: Pick<WorkQueues, "resendMessages">;
  /** How long an attempt holds its message: longer than the provider call's timeout. */
  sendLeaseMs: number;
}

export type DeliverOutcome = "sent" | "failed" | "skipped" | "held";

/** Attempts that ended with no verdict (no answer, then not found at the provider) before we give up. */
export const MAX_SEND_ATTEMPTS = 24;

/** SQL: a status may only move forward (queued < sent < delivered | failed; both of the last are final). */
const RANK_SQL = (s: string) => `(CASE ${s} WHEN 'received' THEN 0 WHEN 'queued' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END)`;

interface Claimed {
  channel: Channel;
  outbound: OutboundMessage;
  attempts: number;
  /** Set when an earlier attempt may have reached the provider. */
  unknownSince: Date | null;
}

type Claim = { kind: "gone" } | { kind: "held" } | { kind: "busy" } | { kind: "opted_out" } | ({ kind: "claimed" } & Claimed);

export async function deliverMessage(
  deps: DeliverDeps,
  opts: { messageId: string; finalAttempt: boolean; probe?: boolean },
): Promise<DeliverOutcome> {
  const claim = await claimAttempt(deps, opts);
  // Already sent (a job run twice) or gone: nothing to do.
  if (claim.kind === "gone") return "skipped";
  // Its channel is failing: the message waits, queued, for the probe that finds it working again.
  if (claim.kind === "held") return "held";
  if (claim.kind === "busy") throw new ChannelSendError("Another attempt at this message is in flight", "transient", null);
  // The customer opted out after it was queued (a STOP that crossed the reply): it is never sent.
  if (claim.kind === "opted_out") {
    await markFailed(deps, opts.messageId, "CONSENT_REVOKED", "Not sent: the customer opted out of this channel after it was written");
    return "failed";
  }
  const adapter = deps.adapters[claim.channel];
  if (!adapter) {
    await markFailed(deps, opts.messageId, null, `The ${claim.channel} channel is not configured`);
    return "failed";
  }

  let accepted: SendResult | null = null;
  try {
    if (claim.unknownSince && adapter.findSent) accepted = await alreadyAccepted(deps.pool, adapter, claim);
    if (!accepted && claim.unknownSince && claim.attempts > MAX_SEND_ATTEMPTS) {
      await markFailed(deps, opts.messageId, null, `No answer from the provider after ${claim.attempts - 1} attempts, and it does not have the message`);
      return "failed";
    }
    accepted ??= await adapter.send(claim.outbound);
  } catch (err) {
    return handleSendFailure(deps, opts, claim, err);
  }
  // From here the provider has the message: a failure below is retried as a write, never as a send
  // (send_started_at stays set, so the next attempt finds it at the provider instead of sending).
  try {
    await recordAccepted(deps, opts.messageId, accepted);
  } catch (err) {
    await endAttempt(deps.pool, opts.messageId, false).catch(() => {}); // the database may be down too
    throw err;
  }
  if (await markChannelHealthy(deps, claim.channel)) await resendHeld(deps, claim.channel);
  return "sent";
}

/**
 * Starts an attempt in one short transaction: only a queued message with no attempt in flight, and
 * not while its channel is failing (a probe excepted). `send_started_at` stays from the earliest
 * attempt whose outcome is unknown, so the lookup covers every window a copy may have been created in.
 */
async function claimAttempt(deps: DeliverDeps, opts: { messageId: string; probe?: boolean }): Promise<Claim> {
  const { rows } = await deps.pool.query<{
    status: MessageStatus; channel: Channel; body: string; to: string; from: string | null;
    busy: boolean; failing: boolean; opted_out: boolean; attempts: number; unknown_since: Date | null; claimed: boolean;
    external_id: string | null; metadata: Parameters<typeof outboundEmailOf>[0];
  }>(
    `WITH m AS (
       SELECT m.id, m.status, m.channel, m.body, cv.customer_address AS to, cv.business_address AS from, m.external_id, m.metadata,
              m.send_lease_until > now() AS busy, m.send_started_at,
              EXISTS (SELECT 1 FROM channel_health h WHERE h.channel = m.channel AND h.status = 'failing') AS failing,
              EXISTS (SELECT 1 FROM consents s WHERE s.customer_id = m.customer_id AND s.channel = m.channel AND s.status = 'opted_out') AS opted_out
         FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
        WHERE m.id = $1 AND m.direction = 'outbound' FOR UPDATE OF m
     ), claimed AS (
       UPDATE messages t SET send_attempts = t.send_attempts + 1,
              send_started_at = COALESCE(t.send_started_at, now()),
              send_lease_until = now() + make_interval(secs => $3::float / 1000)
         FROM m WHERE t.id = m.id AND m.status = 'queued' AND m.busy IS NOT TRUE AND (NOT m.failing OR $2) AND NOT m.opted_out
       RETURNING t.send_attempts
     )
     SELECT m.status, m.channel, m.body, m.to, m.from, m.external_id, CASE WHEN m.channel = 'email' THEN m.metadata END AS metadata,
            m.busy IS TRUE AS busy, m.failing, m.opted_out,
            (SELECT send_attempts FROM claimed) AS attempts, m.send_started_at AS unknown_since,
            EXISTS (SELECT 1 FROM claimed) AS claimed
       FROM m`,
    [opts.messageId, opts.probe ?? false, deps.sendLeaseMs],
  );
  const m = rows[0];
  if (!m || m.status !== "queued") return { kind: "gone" };
  if (m.busy) return { kind: "busy" };
  if (m.opted_out) return { kind: "opted_out" };
  if (!m.claimed) return { kind: "held" };
  return {
    kind: "claimed",
    channel: m.channel,
    outbound: {
      messageId: opts.messageId, to: m.to, from: m.from, body: m.body,
      ...(m.channel === "email" ? { email: outboundEmailOf(m.metadata, m.external_id) } : {}),
    },
    attempts: m.attempts,
    unknownSince: m.unknown_since,
  };
}

/** The provider's copy of this message from an attempt whose answer we never got, if it has one. */
async function alreadyAccepted(pool: pg.Pool, adapter: ChannelAdapter, claim: Claimed): Promise<SendResult | null> {
  const candidates = await adapter.findSent!(claim.outbound, claim.unknownSince!);
  if (candidates.length === 0) return null;
  // The same text to the same number may have been sent before: skip copies that belong to other messages.
  const { rows } = await pool.query<{ external_id: string }>(
    `SELECT external_id FROM messages WHERE channel = $1 AND external_id = ANY($2::text[])`,
    [claim.channel, candidates.map((c) => c.externalId)],
  );
  const taken = new Set(rows.map((r) => r.external_id));
  return candidates.find((c) => !taken.has(c.externalId)) ?? null;
}

async function handleSendFailure(
  deps: DeliverDeps,
  opts: { messageId: string; finalAttempt: boolean },
  claim: Claimed,
  err: unknown,
): Promise<DeliverOutcome> {
  const failure = err instanceof ChannelSendError ? err : new ChannelSendError((err as Error).message, "transient", null, "unknown");
  // A known "not accepted" needs no lookup next time; an unknown one keeps its start for the lookup.
  await endAttempt(deps.pool, opts.messageId, failure.outcome === "not_sent" && !claim.unknownSince);
  if (failure.kind === "auth") {
    await markChannelFailing(deps, { channel: claim.channel, errorCode: failure.providerCode, reason: failure.message });
    return "held";
  }
  // The provider may have it: never fail it on a guess; the next attempt (or the sweep) looks it up first.
  if (failure.outcome === "unknown" || (failure.kind === "transient" && !opts.finalAttempt)) throw failure;
  const reason = failure.kind === "transient" ? `Gave up after repeated failures: ${failure.message}` : failure.message;
  await markFailed(deps, opts.messageId, failure.providerCode, reason);
  return "failed";
}

async function endAttempt(pool: pg.Pool, messageId: string, knownNotSent: boolean): Promise<void> {
  await pool.query(
    `UPDATE messages SET send_lease_until = NULL, send_started_at = CASE WHEN $2 THEN NULL ELSE send_started_at END WHERE id = $1`,
    [messageId, knownNotSent],
  );
}

async function recordAccepted(deps: DeliverDeps, messageId: string, result: SendResult): Promise<void> {
  if (result.rejectedRecipients?.length) {
    // Sent, but not to everyone: the agent sees whom it did not reach.
    await deps.pool.query(
      `UPDATE messages SET metadata = jsonb_set(metadata, '{email,rejectedRecipients}', $2::jsonb) WHERE id = $1 AND metadata ? 'email'`,
      [messageId, JSON.stringify(result.rejectedRecipients)],
    );
  }
  await applyStatus(deps, { messageId, externalId: result.externalId, status: result.status, errorCode: null, errorMessage: null });
}

async function resendHeld(deps: DeliverDeps, channel: Channel): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM messages WHERE direction = 'outbound' AND status = 'queued' AND channel = $1 ORDER BY created_at LIMIT 5000`,
    [channel],
  );
  await deps.queues.resendMessages(rows.map((r) => r.id));
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
  deps: Pick<DeliverDeps, "pool" | "events" | "log">,
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
        send_started_at = NULL,
        send_lease_until = NULL,
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
  // The status is stored: a lost live push is caught up by the clients' change cursor, so it must not
  // make the caller retry (a retried send or a 5xx to Twilio's callback would gain nothing).
  try {
    const loaded = await loadMessage(deps.pool, rows[0].id);
    if (loaded) await deps.events.publish({ type: "message.updated", ...loaded });
  } catch (err) {
    deps.log.warn("message status stored but not announced", { messageId: rows[0].id, err: (err as Error).message });
  }
  return true;
}
