// One fetched mail into the product, in one transaction with the mailbox's checkpoint: stored once
// (the checkpoint and the Message-ID both say whether it was before), joined to its thread or opening
// one, its attachments, raw source and sanitized HTML beside it. After commit it is announced and routed.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { EmailDetails, ThreadMatch } from "../../../shared/email.ts";
import { newReplyToken, replyTokenIn } from "../../../channels/email/reply-address.ts";
import type { ParsedMail } from "../../../channels/email/parse-mail.ts";
import { withTransaction } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { attachmentUrl } from "../chat/attachments.ts";
import type { DomainEvent, EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { announceWake } from "../snooze/wake-snoozed.ts";
import { queueAcknowledgement } from "./acknowledgement.ts";
import { findThread, reopenOrTouch, type ThreadRow } from "./threads.ts";
import { consentEventText, recordConsentEvent, writeConsent } from "../privacy/consent-ledger.ts";

export interface EmailIngestDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: Pick<WorkQueues, "routeConversation" | "sendMessage">;
  log: Logger;
  publicUrl: string;
  sessionSecret: string;
  /** Automatic mail (acknowledgements) to one address in a day, at most. */
  autoRepliesPerDay: number;
}

export interface MailboxRef {
  id: string;
  address: string;
}

export type EmailIngestOutcome =
  | { kind: "stored"; messageId: string; conversationId: string; thread: ThreadMatch; opened: boolean }
  /** Already stored (a refetch after a crash, a UIDVALIDITY resync, the same mail in two mailboxes). */
  | { kind: "duplicate" };

/** The body column holds the whole text up to this; the raw mail keeps everything. */
const MAX_BODY_CHARS = 1_000_000;

/** PostgreSQL text and jsonb refuse NUL, and a mail may carry it anywhere (a bad charset, a hostile header): dropped. */
function withoutNul<T>(value: T): T {
  if (typeof value === "string") return value.replace(/\u0000/g, "") as T;
  if (Buffer.isBuffer(value) || value === null || typeof value !== "object" || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNul(v)])) as T;
}

export async function ingestEmail(
  deps: EmailIngestDeps,
  mailbox: MailboxRef,
  mail: { uid: number; uidValidity: string; raw: Buffer; parsed: ParsedMail },
): Promise<EmailIngestOutcome> {
  const p = withoutNul(mail.parsed);
  const tx = await withTransaction(deps.pool, async (db) => {
    const box = await db.query<{ uid_validity: string | null; last_uid: string }>(
      `SELECT uid_validity, last_uid FROM mailboxes WHERE id = $1 FOR UPDATE`,
      [mailbox.id],
    );
    const checkpoint = box.rows[0];
    if (!checkpoint) throw new Error(`Mailbox ${mailbox.id} is gone`);
    // Another watcher of the same mailbox (a second worker process) stored it first.
    if (checkpoint.uid_validity === mail.uidValidity && Number(checkpoint.last_uid) >= mail.uid) return null;
    const moveCheckpoint = () =>
      db.query(
        `UPDATE mailboxes SET uid_validity = $2, last_uid = CASE WHEN uid_validity = $2 THEN GREATEST(last_uid, $3) ELSE $3 END,
                last_fetched_at = now() WHERE id = $1`,
        [mailbox.id, mail.uidValidity, mail.uid],
      );
    const seen = await db.query(`SELECT 1 FROM messages WHERE channel = 'email' AND external_id = $1`, [p.messageId]);
    if (seen.rows[0]) {
      await moveCheckpoint();
      return null;
    }

    const bounced = p.bounce?.originalMessageId ? await findOutbound(db, p.bounce.originalMessageId) : null;
    const token = replyTokenIn(p.recipients, mailbox.address);
    const found = bounced ? { row: bounced.thread, match: { by: "in_reply_to", value: p.bounce!.originalMessageId } as ThreadMatch } : await findThread(db, p, token);
    const sender = p.from?.address ?? null;
    const automated = p.automated?.reason ?? (await unroutableReason(db, mailbox, sender, !found));

    let thread: ThreadRow;
    let opened = false;
    let waiting = false;
    let woke = false;
    let match: ThreadMatch;
    if (found) {
      match = found.match;
      const touched = await reopenOrTouch(db, found.row.id, { reopen: !automated });
      thread = touched.row;
      waiting = touched.waiting;
      woke = touched.woke;
    } else {
      match = { by: "new", value: null };
      // No sender: a record of its own, so that unrelated anonymous mail never lands on one customer.
      const customerId = sender
        ? await findOrCreateCustomer(db, sender, p.from?.name ?? null)
        : (await db.query<{ id: string }>(`INSERT INTO customers DEFAULT VALUES RETURNING id`)).rows[0]!.id;
      // Automated mail is kept, but never opens routed work by itself: its conversation starts resolved.
      const created = await db.query<ThreadRow>(
        `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, business_address, subject,
                                    waiting_since, resolved_at, mailbox_id, reply_token)
         VALUES ($1, 'email', $2::"ConversationStatus", entry_queue_id('email', $3), $4, $3, $5,
                 CASE WHEN $2::"ConversationStatus" = 'queued' THEN now() END, CASE WHEN $2::"ConversationStatus" = 'resolved' THEN now() END, $6, $7)
         RETURNING id, customer_id, status, queue_id, priority`,
        [customerId, automated ? "resolved" : "queued", mailbox.address, sender ?? "", p.subject.slice(0, 1000) || null, mailbox.id, newReplyToken()],
      );
      thread = created.rows[0]!;
      opened = true;
      waiting = !automated;
    }

    const messageId = randomUUID();
    const files = p.attachments.map((a) => ({ ...a, id: randomUUID() }));
    const details: EmailDetails = {
      subject: p.subject,
      from: p.from,
      to: p.to,
      cc: p.cc,
      visibleText: p.visibleText.slice(0, MAX_BODY_CHARS),
      hasHtml: p.html !== null,
      thread: match,
      withheld: p.withheld,
      automated,
      bounce: p.bounce
        ? { bouncedMessageId: bounced?.messageId ?? null, recipient: p.bounce.recipient, status: p.bounce.status, diagnostic: p.bounce.diagnostic }
        : null,
      problems: p.problems,
      rejectedRecipients: [],
      automatic: false,
    };
    const media = files.map((f) => ({ url: attachmentUrl(deps.publicUrl, deps.sessionSecret, f.id), contentType: f.contentType, name: f.filename }));
    await db.query(
      `INSERT INTO messages (id, conversation_id, customer_id, channel, direction, kind, body, media, external_id, status, metadata)
       VALUES ($1, $2, $3, 'email', 'inbound', 'email', $4, $5, $6, 'received', $7)`,
      [messageId, thread.id, thread.customer_id, p.text.slice(0, MAX_BODY_CHARS), JSON.stringify(media), p.messageId, JSON.stringify({ email: details })],
    );
    await db.query(`INSERT INTO email_contents (message_id, mailbox_id, html, raw, raw_size) VALUES ($1, $2, $3, $4, $5)`, [
      messageId, mailbox.id, p.html, mail.raw, mail.raw.length,
    ]);
    if (files.length) {
      await db.query(
        `INSERT INTO attachments (id, customer_id, message_id, file_name, content_type, size_bytes, data, content_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::bytea[], $8::text[])`,
        [files.map((f) => f.id), files.map(() => thread.customer_id), files.map(() => messageId), files.map((f) => f.filename.slice(0, 255)),
         files.map((f) => f.contentType), files.map((f) => f.size), files.map((f) => f.content), files.map((f) => f.contentId)],
      );
    }
    const bouncedId = bounced ? await markBounced(db, bounced.messageId, p.bounce!) : null;
    const consentEventId = p.unsubscribeRequest && !automated ? await recordUnsubscribe(db, thread, messageId) : null;
    const ackId = opened && !automated && sender ? await queueAcknowledgement(db, { conversationId: thread.id, autoRepliesPerDay: deps.autoRepliesPerDay }) : null;
    await moveCheckpoint();
    return { messageId, thread, opened, waiting, woke, match, bouncedId, consentEventId, ackId, reopened: !opened && waiting };
  });
  if (!tx) return { kind: "duplicate" };

  // After commit: a failure here delays, never loses (clients catch up by cursor; the sweeps route and send).
  try {
    const events: DomainEvent[] = [];
    if (tx.opened || tx.reopened) {
      const conversation = await loadConversation(deps.pool, tx.thread.id);
      if (conversation) events.push({ type: "conversation.updated", conversation });
    }
    for (const id of [tx.messageId, tx.consentEventId, tx.bouncedId]) {
      if (!id) continue;
      const loaded = await loadMessage(deps.pool, id);
      if (loaded) events.push({ type: id === tx.bouncedId ? "message.updated" : "message.created", ...loaded });
    }
    await deps.events.publish(...events);
    if (tx.woke) await announceWake(deps, tx.thread.id);
    if (tx.waiting) await deps.queues.routeConversation(tx.thread.id, tx.thread.priority);
    if (tx.ackId) await deps.queues.sendMessage(tx.ackId);
  } catch (err) {
    deps.log.warn("email stored; its announcement or routing waits for the sweep", { messageId: tx.messageId, err: (err as Error).message });
  }
  return { kind: "stored", messageId: tx.messageId, conversationId: tx.thread.id, thread: tx.match, opened: tx.opened };
}



/** New threads one address may open in an hour; past it, mail is kept but routes no more work (a mail bomb, a loop). */
export const NEW_THREADS_PER_SENDER_PER_HOUR = 20;

/**
 * Why a mail that is not automated by its headers must still not open routed work: nobody to answer,
 * our own address (a loop through a forwarding rule), or a sender opening threads by the dozen.
 */
async function unroutableReason(db: pg.PoolClient, mailbox: MailboxRef, sender: string | null, opensThread: boolean): Promise<string | null> {
  if (!sender) return "no sender address";
  if (sender === mailbox.address || replyTokenIn([sender], mailbox.address)) return "sent from this mailbox's own address";
  if (!opensThread) return null;
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM conversations cv JOIN identities i ON i.customer_id = cv.customer_id AND i.kind = 'email' AND i.value = $1
      WHERE cv.channel = 'email' AND cv.created_at > now() - interval '1 hour' AND cv.customer_address = $1`,
    [sender],
  );
  return rows[0]!.n >= NEW_THREADS_PER_SENDER_PER_HOUR ? `more than ${NEW_THREADS_PER_SENDER_PER_HOUR} new threads from this address in an hour` : null;
}

async function findOrCreateCustomer(db: pg.PoolClient, address: string, name: string | null): Promise<string> {
  // The same lock ingest takes for an identity: two first mails from one address make one customer.
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('email:' || $1, 0))`, [address]);
  const known = await db.query<{ customer_id: string }>(`SELECT customer_id FROM identities WHERE kind = 'email' AND value = $1`, [address]);
  if (known.rows[0]) {
    if (name) await db.query(`UPDATE customers SET display_name = $2 WHERE id = $1 AND display_name IS NULL`, [known.rows[0].customer_id, name.slice(0, 200)]);
    return known.rows[0].customer_id;
  }
  const created = await db.query<{ id: string }>(`INSERT INTO customers (display_name) VALUES ($1) RETURNING id`, [name?.slice(0, 200) ?? null]);
  const id = created.rows[0]!.id;
  await db.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', $2, false, 'inbound:email')`, [id, address]);
  return id;
}

/** The message we sent with this Message-ID, and its thread. */
async function findOutbound(db: pg.PoolClient, externalId: string): Promise<{ messageId: string; thread: ThreadRow } | null> {
  const { rows } = await db.query<ThreadRow & { message_id: string }>(
    `SELECT m.id AS message_id, cv.id, cv.customer_id, cv.status, cv.queue_id, cv.priority
       FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
      WHERE m.channel = 'email' AND m.external_id = $1 AND m.direction = 'outbound'
        AND NOT EXISTS (SELECT 1 FROM customers cu WHERE cu.id = cv.customer_id AND cu.erased_at IS NOT NULL)`,
    [externalId],
  );
  const r = rows[0];
  return r ? { messageId: r.message_id, thread: { id: r.id, customer_id: r.customer_id, status: r.status, queue_id: r.queue_id, priority: r.priority } } : null;
}

/** The bounced message ends `failed` with the report's words (unless it already ended). */
async function markBounced(db: pg.PoolClient, messageId: string, bounce: NonNullable<ParsedMail["bounce"]>): Promise<string | null> {
  const reason = [bounce.status, bounce.recipient ? `for ${bounce.recipient}` : null, bounce.diagnostic].filter(Boolean).join(" ");
  const { rows } = await db.query<{ id: string }>(
    `UPDATE messages SET status = 'failed', error_code = $2, error_message = $3, updated_at = now(), change_seq = nextval('message_change_seq'),
            send_started_at = NULL, send_lease_until = NULL
      WHERE id = $1 AND status <> 'failed' RETURNING id`,
    [messageId, bounce.status ?? "bounce", `Bounced: ${reason}`.slice(0, 2000)],
  );
  return rows[0]?.id ?? null;
}

/** "Unsubscribe" from the customer: the consent ledger says so (with their mail as evidence), and the timeline shows it. */
async function recordUnsubscribe(db: pg.PoolClient, thread: ThreadRow, evidenceMessageId: string): Promise<string> {
  await writeConsent(db, { customerId: thread.customer_id, channel: "email", status: "opted_out", source: "email_unsubscribe", evidenceMessageId, evidence: "unsubscribe request" });
  const id = await recordConsentEvent(db, {
    customerId: thread.customer_id, channel: "email", status: "opted_out", source: "email_unsubscribe", conversationId: thread.id,
    body: `${consentEventText({ channel: "email", status: "opted_out", source: "email_unsubscribe" })}: no email is sent until an agent records that they opted back in`,
  });
  return id!;
}
