// An agent's reply: checked (channel on, consent), stored as `queued` and handed to the outbound queue.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { REPLY_MAX_CHARS, type MessageView } from "../../../shared/api.ts";
import type { Channel } from "../../../shared/domain.ts";
import { unfilledVariables } from "../../../shared/template-variables.ts";
import { AppError } from "../../errors.ts";
import { withTransaction } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { prepareOutboundEmail } from "../email/outbound-email.ts";

export interface SendReplyDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: WorkQueues;
  log: Logger;
  /** Channels that can send now; the others refuse with CHANNEL_DISABLED and the reason. */
  channelState(channel: Channel): { enabled: true } | { enabled: false; reason: string };
}

export async function sendReply(
  deps: SendReplyDeps,
  opts: { conversationId: string; actor: Actor; body: string; idempotencyKey?: string | undefined; seenAt?: string | undefined; confirmed?: boolean | undefined },
): Promise<MessageView> {
  const outcome = await withTransaction(deps.pool, async (tx) => {
    // Only the assigned agent, or a supervisor or admin, replies (the row lock holds the owner still).
    await authorizeOnConversation(tx, opts.actor, opts.conversationId, { lock: true });
    // A canned reply's variable left unfilled would reach the customer as "Hi {{customer.firstName}}".
    const unfilled = unfilledVariables(opts.body);
    if (unfilled.length) {
      throw new AppError("VALIDATION", `Fill in ${unfilled.map((v) => `{{${v}}}`).join(", ")} before sending`, { field: "body", variables: unfilled });
    }
    if (opts.idempotencyKey) {
      const again = await tx.query<{ id: string }>(`SELECT id FROM messages WHERE idempotency_key = $1`, [opts.idempotencyKey]);
      if (again.rows[0]) return { id: again.rows[0].id, created: false };
    }
    if (opts.seenAt && !opts.confirmed) await refuseIfAnsweredSince(tx, opts.conversationId, opts.actor.id, opts.seenAt);
    const { rows } = await tx.query<{ customer_id: string; channel: Channel; status: string; consent: string | null }>(
      `SELECT cv.customer_id, cv.channel, cv.status,
              (SELECT status FROM consents WHERE customer_id = cv.customer_id AND channel = cv.channel) AS consent
         FROM conversations cv WHERE cv.id = $1 FOR UPDATE`,
      [opts.conversationId],
    );
    const c = rows[0];
    if (!c) throw new AppError("NOT_FOUND", "No such conversation");
    if (c.channel === "voice") {
      throw new AppError("VALIDATION", "This is a call: it cannot be answered with a text message. Reply by SMS, or call back.");
    }
    if (opts.body.length > REPLY_MAX_CHARS[c.channel]) {
      throw new AppError("VALIDATION", `A ${c.channel.toUpperCase()} reply is at most ${REPLY_MAX_CHARS[c.channel]} characters`, { field: "body" });
    }
    const state = deps.channelState(c.channel);
    if (!state.enabled) throw new AppError("CHANNEL_DISABLED", state.reason);
    if (c.consent === "opted_out") throw consentRevoked(c.channel);
    const id = randomUUID();
    // An email carries its thread's headers, fixed now so that every attempt sends the same mail.
    const email = c.channel === "email" ? await prepareOutboundEmail(tx, { conversationId: opts.conversationId, messageId: id, body: opts.body, automatic: false }) : null;
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO messages (id, conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, idempotency_key, external_id, metadata)
       VALUES ($1, $2, $3, $4, 'outbound', $5, $6, 'queued', $7, $8, $9, $10)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [id, opts.conversationId, c.customer_id, c.channel, email ? "email" : "text", opts.body, opts.actor.id, opts.idempotencyKey ?? null,
       email?.externalId ?? null, JSON.stringify(email?.metadata ?? {})],
    );
    if (!inserted.rows[0]) {
      // The same key raced in from another request and committed first.
      const again = await tx.query<{ id: string }>(`SELECT id FROM messages WHERE idempotency_key = $1`, [opts.idempotencyKey]);
      return { id: again.rows[0]!.id, created: false };
    }
    await tx.query(
      `UPDATE conversations SET last_message_at = now(), updated_at = now(),
         status = CASE WHEN status = 'assigned' THEN 'pending_customer'::"ConversationStatus" ELSE status END
        WHERE id = $1`,
      [opts.conversationId],
    );
    return { id: inserted.rows[0].id, created: true };
  });
  const loaded = (await loadMessage(deps.pool, outcome.id))!;
  if (outcome.created) {
    // The reply is committed as queued, so it is not lost if Redis fails now: the outbox sweep queues its
    // send later, and clients catch up by cursor. The agent gets their 201 either way.
    await deps.queues.sendMessage(outcome.id).catch((err) => deps.log.warn("reply stored; its send waits for the outbox sweep", { messageId: outcome.id, err: (err as Error).message }));
    await deps.events.publish({ type: "message.created", ...loaded }).catch((err) => deps.log.warn("reply stored but not announced", { messageId: outcome.id, err: (err as Error).message }));
  }
  return loaded.message;
}

/** What a customer's opt-out means on their channel, and how they (or an agent) undo it. */
export function consentRevoked(channel: Channel): AppError {
  return channel === "email"
    ? new AppError("CONSENT_REVOKED", "The customer unsubscribed from email. Nothing was sent; an agent can record that they opted back in, on the customer's record.")
    : new AppError(
        "CONSENT_REVOKED",
        `The customer opted out of ${channel.toUpperCase()} (they sent STOP). Nothing was sent; they must text START to receive messages again.`,
      );
}

/**
 * No one answers twice: a colleague's answer to this customer, on any channel, newer than what the agent
 * had on screen, refuses the reply with that answer in the details, so the workspace can show it first.
 */
async function refuseIfAnsweredSince(tx: pg.PoolClient, conversationId: string, actorId: string, seenAt: string): Promise<void> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT m.id FROM messages m
      WHERE m.customer_id = (SELECT customer_id FROM conversations WHERE id = $1)
        AND m.direction = 'outbound' AND m.created_at > $2 AND m.author_agent_id IS NOT NULL AND m.author_agent_id <> $3
      ORDER BY m.created_at DESC, m.id DESC LIMIT 1`,
    [conversationId, seenAt, actorId],
  );
  if (!rows[0]) return;
  const answer = (await loadMessage(tx, rows[0].id))!.message;
  throw new AppError(
    "CONFLICT",
    `${answer.authorName ?? "Another agent"} answered this customer by ${answer.channel.toUpperCase()} since you looked: read their answer, then send yours anyway or change it`,
    { reason: "answered_since_seen", message: answer },
  );
}
