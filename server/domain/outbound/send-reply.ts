// An agent's reply: checked (channel on, consent), stored as `queued` and handed to the outbound queue.
import type pg from "pg";
import type { MessageView } from "../../../shared/api.ts";
import type { Channel } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";
import { withTransaction } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";

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
  opts: { conversationId: string; actor: Actor; body: string; idempotencyKey?: string | undefined },
): Promise<MessageView> {
  const outcome = await withTransaction(deps.pool, async (tx) => {
    // Only the assigned agent, or a supervisor or admin, replies (the row lock holds the owner still).
    await authorizeOnConversation(tx, opts.actor, opts.conversationId, { lock: true });
    if (opts.idempotencyKey) {
      const again = await tx.query<{ id: string }>(`SELECT id FROM messages WHERE idempotency_key = $1`, [opts.idempotencyKey]);
      if (again.rows[0]) return { id: again.rows[0].id, created: false };
    }
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
    const state = deps.channelState(c.channel);
    if (!state.enabled) throw new AppError("CHANNEL_DISABLED", state.reason);
    if (c.consent === "opted_out") {
      throw new AppError(
        "CONSENT_REVOKED",
        `The customer opted out of ${c.channel.toUpperCase()} (they sent STOP). Nothing was sent; they must text START to receive messages again.`,
      );
    }
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, idempotency_key)
       VALUES ($1, $2, $3, 'outbound', 'text', $4, 'queued', $5, $6)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [opts.conversationId, c.customer_id, c.channel, opts.body, opts.actor.id, opts.idempotencyKey ?? null],
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
