// Raw RFC 5322 messages for tests: well-formed ones composed by nodemailer (the Message-ID given is
// kept, so threading tests can refer to it), and hand-written ones for malformed MIME.
import MailComposer from "nodemailer/lib/mail-composer";

export interface MailSpec {
  from: string;
  to: string | string[];
  cc?: string | string[];
  subject?: string;
  text?: string;
  html?: string;
  /** With angle brackets, e.g. "<abc@customer.test>"; generated when absent. */
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  headers?: Record<string, string>;
  /** An attachment with a cid is inline (multipart/related), referable from html as cid:<cid>. */
  attachments?: { filename: string; content: Buffer | string; contentType?: string; cid?: string }[];
  date?: Date;
}

export function buildMail(spec: MailSpec): Promise<Buffer> {
  const composer = new MailComposer({
    from: spec.from,
    to: spec.to,
    cc: spec.cc,
    subject: spec.subject,
    text: spec.text,
    html: spec.html,
    messageId: spec.messageId,
    inReplyTo: spec.inReplyTo,
    references: spec.references,
    headers: spec.headers,
    attachments: spec.attachments,
    date: spec.date,
  });
  return composer.compile().build();
}

/** Lines joined with CRLF (and a final CRLF), UTF-8 encoded, nothing else touched: for messages nodemailer would not produce. */
export function rawMail(lines: string[]): Buffer {
  return Buffer.from(lines.join("\r\n") + "\r\n", "utf8");
}
