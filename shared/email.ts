// Wire types of the email channel: what an email message shows (MessageView.email), mailboxes, new emails.
import { z } from "zod";

export const MailAddressView = z.object({ address: z.string(), name: z.string().nullable() });
export type MailAddressView = z.infer<typeof MailAddressView>;

/** Why a mail joined its conversation: the header that matched, or "new" when it opened one. */
export const ThreadMatch = z.object({
  by: z.enum(["reply_token", "in_reply_to", "references", "new"]),
  /** The token or Message-ID that matched. */
  value: z.string().nullable(),
});
export type ThreadMatch = z.infer<typeof ThreadMatch>;

export const WithheldAttachmentView = z.object({
  filename: z.string(),
  contentType: z.string(),
  size: z.number(),
  reason: z.enum(["too_large", "too_many", "total_too_large"]),
});
export type WithheldAttachmentView = z.infer<typeof WithheldAttachmentView>;

/** The email parts of a message (stored in messages.metadata.email). */
export const EmailDetails = z.object({
  subject: z.string(),
  from: MailAddressView.nullable(),
  to: z.array(MailAddressView),
  cc: z.array(MailAddressView),
  /** The new part of the mail, quoted history and signature left out (the whole text is the body). */
  visibleText: z.string(),
  /** True when sanitized HTML is kept: GET /api/messages/:id/email-html serves it for a sandboxed frame. */
  hasHtml: z.boolean(),
  thread: ThreadMatch.nullable(),
  withheld: z.array(WithheldAttachmentView),
  /** Why it counts as automated mail (an auto-reply, a list, a bounce): stored, never answered automatically. */
  automated: z.string().nullable(),
  /** Set on a bounce: the message it reports on and the reporting server's words. */
  bounce: z
    .object({ bouncedMessageId: z.string().nullable(), recipient: z.string().nullable(), status: z.string().nullable(), diagnostic: z.string() })
    .nullable(),
  /** Parts of the mail that could not be read (malformed MIME), for the agent. */
  problems: z.array(z.string()),
  /** Outbound: recipients the SMTP server refused while accepting the others. */
  rejectedRecipients: z.array(z.string()),
  /** Outbound: sent by Switchboard itself (an acknowledgement), not by an agent. */
  automatic: z.boolean(),
});
export type EmailDetails = z.infer<typeof EmailDetails>;

const Host = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:.]+\]$/, "must be a host name or address");
const Port = z.number().int().min(1).max(65535);

export const MailServerBody = z.object({
  host: Host,
  port: Port,
  /** TLS from the first byte (IMAPS 993, SMTPS 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean(),
  user: z.string().min(1).max(320),
  password: z.string().min(1).max(1000),
});

export const CreateMailboxBody = z.object({
  name: z.string().trim().min(1).max(100),
  address: z.string().trim().toLowerCase().email().max(320),
  displayName: z.string().trim().min(1).max(100).nullable().default(null),
  queueId: z.string().uuid().nullable().default(null),
  imap: MailServerBody.extend({ folder: z.string().trim().min(1).max(200).default("INBOX") }).strict(),
  smtp: MailServerBody.extend({ user: z.string().min(1).max(320).nullable().default(null), password: z.string().min(1).max(1000).nullable().default(null) }).strict(),
  active: z.boolean().default(true),
}).strict();
export type CreateMailboxBody = z.infer<typeof CreateMailboxBody>;

/** Absent fields stay; a password left out keeps the stored one. */
export const UpdateMailboxBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  address: z.string().trim().toLowerCase().email().max(320).optional(),
  displayName: z.string().trim().min(1).max(100).nullable().optional(),
  queueId: z.string().uuid().nullable().optional(),
  imap: MailServerBody.extend({ folder: z.string().trim().min(1).max(200) }).partial().strict().optional(),
  smtp: MailServerBody.extend({ user: z.string().min(1).max(320).nullable(), password: z.string().min(1).max(1000).nullable() }).partial().strict().optional(),
  active: z.boolean().optional(),
}).strict();
export type UpdateMailboxBody = z.infer<typeof UpdateMailboxBody>;

export const MailboxHealth = z.object({
  state: z.enum(["connecting", "connected", "failing", "inactive"]),
  reason: z.string().nullable(),
  failingSince: z.string().nullable(),
  lastConnectedAt: z.string().nullable(),
  lastFetchedAt: z.string().nullable(),
});
export type MailboxHealth = z.infer<typeof MailboxHealth>;

/** A mailbox as admins and supervisors see it: never its passwords. */
export const MailboxView = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  displayName: z.string().nullable(),
  queue: z.object({ id: z.string(), name: z.string() }).nullable(),
  imap: z.object({ host: z.string(), port: z.number(), secure: z.boolean(), user: z.string(), folder: z.string(), passwordSet: z.boolean() }),
  smtp: z.object({ host: z.string(), port: z.number(), secure: z.boolean(), user: z.string().nullable(), passwordSet: z.boolean() }),
  /** Kept in step with IMAP_URL, SMTP_URL and MAIL_FROM at every start. */
  fromEnvironment: z.boolean(),
  active: z.boolean(),
  health: MailboxHealth,
  createdAt: z.string(),
});
export type MailboxView = z.infer<typeof MailboxView>;

/** An agent starts an email thread with a customer. */
export const StartEmailBody = z.object({
  customerId: z.string().uuid(),
  /** One of the customer's email addresses; their first one when left out. */
  to: z.string().trim().toLowerCase().email().max(320).optional(),
  /** Our mailbox to send from; the first active one when left out. */
  mailboxId: z.string().uuid().optional(),
  subject: z.string().trim().min(1).max(500),
  body: z.string().trim().min(1).max(100_000),
}).strict();
export type StartEmailBody = z.infer<typeof StartEmailBody>;
