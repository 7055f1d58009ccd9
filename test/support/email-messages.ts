// Email conversations and messages straight into the tables, as ingest will store them: the message with
// metadata.email (EmailDetails), its HTML in email_contents, its files in attachments (inline ones with
// their Content-ID) and listed in messages.media by their signed links.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { attachmentUrl } from "../../server/domain/chat/attachments.ts";
import type { EmailDetails } from "../../shared/email.ts";
import { createCustomer } from "./factories.ts";

/** A customer with an email identity, and an email conversation with them (assigned when an agent is given). */
export async function createEmailConversation(
  pool: pg.Pool,
  opts: { customerEmail?: string; customerName?: string; assignedAgentId?: string | null; subject?: string; businessAddress?: string } = {},
): Promise<{ id: string; customerId: string; customerEmail: string }> {
  const customerEmail = opts.customerEmail ?? `customer-${randomBytes(4).toString("hex")}@example.test`;
  const customer = await createCustomer(pool, { displayName: opts.customerName ?? "Pat Customer" });
  await pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', $2, true, 'test')`, [customer.id, customerEmail]);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, customer_address, business_address, subject, assigned_agent_id)
     VALUES ($1, 'email', $2, $3, $4, $5, $6) RETURNING id`,
    [customer.id, opts.assignedAgentId ? "assigned" : "queued", customerEmail, opts.businessAddress ?? "support@shop.example.test", opts.subject ?? "Where is my order?", opts.assignedAgentId ?? null],
  );
  return { id: rows[0]!.id, customerId: customer.id, customerEmail };
}

export function emailDetails(overrides: Partial<EmailDetails> = {}): EmailDetails {
  return {
    subject: "Where is my order?",
    from: { address: "customer@example.test", name: "Pat Customer" },
    to: [{ address: "support@shop.example.test", name: "Shop Support" }],
    cc: [],
    visibleText: "Hello",
    hasHtml: false,
    thread: { by: "new", value: null },
    withheld: [],
    automated: null,
    bounce: null,
    problems: [],
    rejectedRecipients: [],
    automatic: false,
    ...overrides,
  };
}

export interface EmailFile {
  name: string;
  contentType: string;
  data: Buffer;
  /** The Content-ID of an inline part (as in the header, with or without <>). */
  contentId?: string;
}

/** An email message; `html` (stored as given: tests of the frame's defences store it unsanitized) makes hasHtml true. */
export async function createEmailMessage(
  pool: pg.Pool,
  link: { publicUrl: string; sessionSecret: string },
  opts: {
    conversationId: string;
    customerId: string;
    direction?: "inbound" | "outbound";
    /** The whole text (MessageView.body). */
    body: string;
    email?: Partial<EmailDetails>;
    html?: string;
    files?: EmailFile[];
    status?: string;
    errorMessage?: string;
  },
): Promise<{ id: string; attachmentIds: string[] }> {
  const direction = opts.direction ?? "inbound";
  const email = emailDetails({ visibleText: opts.body, ...opts.email, hasHtml: opts.html !== undefined });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, error_message, external_id, metadata)
     VALUES ($1, $2, 'email', $3, 'email', $4, $5, $6, $7, $8) RETURNING id`,
    [
      opts.conversationId,
      opts.customerId,
      direction,
      opts.body,
      opts.status ?? (direction === "inbound" ? "received" : "sent"),
      opts.errorMessage ?? null,
      `<${randomBytes(8).toString("hex")}@example.test>`,
      JSON.stringify({ email }),
    ],
  );
  const messageId = rows[0]!.id;
  const attachmentIds: string[] = [];
  const media: { url: string; contentType: string; name: string }[] = [];
  for (const file of opts.files ?? []) {
    const { rows: a } = await pool.query<{ id: string }>(
      `INSERT INTO attachments (customer_id, message_id, file_name, content_type, size_bytes, data, content_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [opts.customerId, messageId, file.name, file.contentType, file.data.length, file.data, file.contentId ?? null],
    );
    attachmentIds.push(a[0]!.id);
    media.push({ url: attachmentUrl(link.publicUrl, link.sessionSecret, a[0]!.id), contentType: file.contentType, name: file.name });
  }
  if (media.length > 0) await pool.query(`UPDATE messages SET media = $2 WHERE id = $1`, [messageId, JSON.stringify(media)]);
  if (opts.html !== undefined) await pool.query(`INSERT INTO email_contents (message_id, html, raw_size) VALUES ($1, $2, 0)`, [messageId, opts.html]);
  return { id: messageId, attachmentIds };
}
