// An agent writes to a customer first: a new email thread, assigned to the agent, whose first message is
// sent through the outbox like any reply. Refused for an address that unsubscribed.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { ConversationView } from "../../../shared/api.ts";
import type { StartEmailBody } from "../../../shared/email.ts";
import { newReplyToken } from "../../../channels/email/reply-address.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { consentRevoked } from "../outbound/send-reply.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { prepareOutboundEmail } from "./outbound-email.ts";

export async function startEmail(
  deps: { pool: pg.Pool; events: EventPublisher; queues: Pick<WorkQueues, "sendMessage">; log: Logger },
  actor: Actor,
  body: StartEmailBody,
): Promise<ConversationView> {
  assertCan(actor, "customer.email");
  const created = await withTransaction(deps.pool, async (tx) => {
    const customer = await tx.query<{ emails: string[] | null; opted_out: boolean }>(
      `SELECT (SELECT array_agg(value ORDER BY verified DESC, created_at) FROM identities WHERE customer_id = c.id AND kind = 'email') AS emails,
              EXISTS (SELECT 1 FROM consents WHERE customer_id = c.id AND channel = 'email' AND status = 'opted_out') AS opted_out
         FROM customers c WHERE c.id = $1`,
      [body.customerId],
    );
    const c = customer.rows[0];
    if (!c) throw new AppError("NOT_FOUND", "No such customer");
    const emails = c.emails ?? [];
    if (emails.length === 0) throw new AppError("VALIDATION", "This customer has no email address", { field: "to" });
    if (body.to && !emails.includes(body.to)) {
      throw new AppError("VALIDATION", "That address is not one of this customer's: add it to their record first", { field: "to" });
    }
    if (c.opted_out) throw consentRevoked("email");
    const mailbox = await tx.query<{ id: string; address: string }>(
      body.mailboxId
        ? `SELECT id, address FROM mailboxes WHERE id = $1 AND active`
        : `SELECT id, address FROM mailboxes WHERE active ORDER BY from_environment DESC, created_at LIMIT 1`,
      body.mailboxId ? [body.mailboxId] : [],
    );
    const box = mailbox.rows[0];
    if (!box) {
      throw body.mailboxId
        ? new AppError("VALIDATION", "No such active mailbox", { field: "mailboxId" })
        : new AppError("CHANNEL_DISABLED", "No mailbox is set up to send email: add one (Admin → Mailboxes, or IMAP_URL, SMTP_URL and MAIL_FROM)");
    }
    const to = body.to ?? emails[0]!;
    const conversation = await tx.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, assigned_agent_id, customer_address, business_address, subject, queue_id, mailbox_id, reply_token)
       VALUES ($1, 'email', 'pending_customer', $2, $3, $4, $5, entry_queue_id('email', $4), $6, $7) RETURNING id`,
      [body.customerId, actor.id, to, box.address, body.subject, box.id, newReplyToken()],
    );
    const conversationId = conversation.rows[0]!.id;
    const messageId = randomUUID();
    const email = await prepareOutboundEmail(tx, { conversationId, messageId, body: body.body, automatic: false, subject: body.subject });
    await tx.query(
      `INSERT INTO messages (id, conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, external_id, metadata)
       VALUES ($1, $2, $3, 'email', 'outbound', 'email', $4, 'queued', $5, $6, $7)`,
      [messageId, conversationId, body.customerId, body.body, actor.id, email.externalId, JSON.stringify(email.metadata)],
    );
    await recordAudit(tx, { actorId: actor.id, action: "email.started", entityType: "conversation", entityId: conversationId, data: { to, mailboxId: box.id, subject: body.subject } });
    return { conversationId, messageId };
  });
  await deps.queues.sendMessage(created.messageId).catch((err) => deps.log.warn("email stored; its send waits for the outbox sweep", { messageId: created.messageId, err: (err as Error).message }));
  const conversation = (await loadConversation(deps.pool, created.conversationId))!;
  const message = await loadMessage(deps.pool, created.messageId);
  await deps.events
    .publish({ type: "conversation.updated", conversation }, ...(message ? [{ type: "message.created" as const, ...message }] : []))
    .catch((err) => deps.log.warn("email stored but not announced", { err: (err as Error).message }));
  return conversation;
}
