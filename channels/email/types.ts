// What the email channel keeps of one raw RFC 5322 mail. parse-mail.ts re-exports these.

export interface MailLimits {
  maxAttachmentBytes: number;
  maxAttachments: number;
  maxTotalAttachmentBytes: number;
}

export interface MailAddress {
  /** Lower-cased and trimmed. */
  address: string;
  name: string | null;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  size: number;
  /** Without the angle brackets. */
  contentId: string | null;
  inline: boolean;
  content: Buffer;
}

export type WithheldReason = "too_large" | "too_many" | "total_too_large";

export interface WithheldAttachment {
  filename: string;
  contentType: string;
  size: number;
  reason: WithheldReason;
}

export interface BounceReport {
  originalMessageId: string | null;
  recipient: string | null;
  /** An RFC 3463 status such as 5.1.1. */
  status: string | null;
  /** "failed", "delayed", … */
  action: string | null;
  /** The reporting MTA's own words, for the agent. */
  diagnostic: string;
}

export interface ParsedMail {
  /** Without <>. When the mail has none: `missing-<hex32>@switchboard.invalid`, from a sha256 of the raw bytes. */
  messageId: string;
  inReplyTo: string | null;
  /** Without <>, in order, deduped. */
  references: string[];
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** Every address the mail was delivered to: To, Cc, Delivered-To, X-Original-To, Envelope-To (lower-cased, deduped). */
  recipients: string[];
  subject: string;
  date: Date | null;
  /** Full plain text (from the HTML when there is no text part). */
  text: string;
  /** The new part of a reply: quoted history and signature removed; equals text when nothing is quoted. */
  visibleText: string;
  /** Sanitized (sanitize-html.ts); null when the mail had no html part. */
  html: string | null;
  attachments: MailAttachment[];
  withheld: WithheldAttachment[];
  automated: { reason: string } | null;
  bounce: BounceReport | null;
  /** The customer asks to stop: the visible text or the subject is just "unsubscribe", "stop" or "remove me". */
  unsubscribeRequest: boolean;
  /** What could not be read (malformed parts), for the agent. */
  problems: string[];
}

/** Raw header values by lower-cased name, unfolded, in the order they appear. */
export type HeaderValues = ReadonlyMap<string, readonly string[]>;
