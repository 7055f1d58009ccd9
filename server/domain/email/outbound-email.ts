// What an email we send carries, fixed when it is stored (so every attempt sends the same mail): our
// Message-ID, the thread's In-Reply-To and References, the thread's reply address, and "Re:" once.
import type pg from "pg";
import type { OutboundEmail } from "../../../channels/channel.ts";
import { newReplyToken, outboundMessageId, replyAddress, replySubject, replyTokenIn } from "../../../channels/email/reply-address.ts";
import type { EmailDetails } from "../../../shared/email.ts";
import { AppError } from "../../errors.ts";

/** Mail clients and servers cope with long References, but not endless ones: the first and the newest. */
const MAX_REFERENCES = 20;

export interface PreparedEmail {
  externalId: string;
  /** messages.metadata: `email` is what the workspace shows, `outgoing` what the sender needs. */
  metadata: { email: EmailDetails; outgoing: Omit<OutboundEmail, "messageId" | "automatic"> };
}

export async function prepareOutboundEmail(
  db: pg.PoolClient,
  opts: { conversationId: string; messageId: string; body: string; automatic: boolean; subject?: string },
): Promise<PreparedEmail> {
  const { rows } = await db.query<{ subject: string | null; reply_token: string | null; customer_address: string; mailbox_id: string | null; address: string | null; display_name: string | null }>(
    `SELECT cv.subject, cv.reply_token, cv.customer_address, mb.id AS mailbox_id, mb.address, mb.display_name
       FROM conversations cv
       -- A thread without a mailbox (a message left in the chat widget) is answered from the first active one.
       LEFT JOIN mailboxes mb ON mb.id = COALESCE(cv.mailbox_id,
         (SELECT m.id FROM mailboxes m WHERE m.address = lower(cv.business_address)),
         (SELECT m.id FROM mailboxes m WHERE m.active ORDER BY m.from_environment DESC, m.created_at LIMIT 1))
      WHERE cv.id = $1`,
    [opts.conversationId],
  );
  const c = rows[0];
  if (!c) throw new AppError("NOT_FOUND", "No such conversation");
  if (!c.mailbox_id || !c.address) {
    throw new AppError("CHANNEL_DISABLED", "No mailbox can send this email: add one (Admin → Mailboxes, or IMAP_URL, SMTP_URL and MAIL_FROM)");
  }
  let token = c.reply_token;
  if (!token) {
    token = newReplyToken();
    await db.query(`UPDATE conversations SET reply_token = $2, mailbox_id = $3, business_address = COALESCE(business_address, $4) WHERE id = $1`, [
      opts.conversationId, token, c.mailbox_id, c.address,
    ]);
  }
  const thread = await db.query<{ external_id: string; direction: string; from: string | null; cc: string[] | null }>(
    `SELECT external_id, direction, metadata->'email'->'from'->>'address' AS from,
            ARRAY(SELECT jsonb_array_elements(metadata->'email'->'cc')->>'address') AS cc
       FROM messages
      WHERE conversation_id = $1 AND channel = 'email' AND kind = 'email' AND external_id IS NOT NULL AND id <> $2
      ORDER BY created_at, id`,
    [opts.conversationId, opts.messageId],
  );
  const ids = thread.rows.map((r) => r.external_id);
  const lastInbound = [...thread.rows].reverse().find((r) => r.direction === "inbound");
  const references = ids.length > MAX_REFERENCES ? [ids[0]!, ...ids.slice(-(MAX_REFERENCES - 1))] : ids;
  // Reply all: whoever else wrote or was copied on the customer's latest mail, never ourselves.
  const address = c.address;
  const ours = (a: string) => a === address || replyTokenIn([a], address) !== null;
  const cc = lastInbound
    ? [...new Set([lastInbound.from, ...(lastInbound.cc ?? [])].filter((a): a is string => !!a && a !== c.customer_address && !ours(a)))]
    : [];
  const subject = opts.subject ?? (ids.length ? replySubject(c.subject) : c.subject ?? "Your message");
  const replyTo = replyAddress(c.address, token);
  return {
    externalId: outboundMessageId(opts.messageId, c.address),
    metadata: {
      email: {
        subject,
        from: { address: c.address, name: c.display_name },
        to: [{ address: c.customer_address, name: null }],
        cc: cc.map((address) => ({ address, name: null })),
        visibleText: opts.body,
        hasHtml: false,
        thread: null,
        withheld: [],
        automated: null,
        bounce: null,
        problems: [],
        rejectedRecipients: [],
        automatic: opts.automatic,
      },
      outgoing: {
        mailboxId: c.mailbox_id,
        subject,
        inReplyTo: lastInbound?.external_id ?? ids.at(-1) ?? null,
        references,
        replyTo,
        cc,
      },
    },
  };
}

/** The outbox's view of a stored email (messages.metadata and external_id): what the adapter sends. */
export function outboundEmailOf(metadata: { outgoing?: PreparedEmail["metadata"]["outgoing"]; email?: EmailDetails } | null, externalId: string | null): OutboundEmail | undefined {
  const out = metadata?.outgoing;
  if (!out || !externalId) return undefined;
  return { ...out, messageId: externalId, automatic: metadata?.email?.automatic ?? false };
}
