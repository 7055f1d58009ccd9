// The reply address of a thread: support+<token>@example.com, set as Reply-To on everything we send, so
// a reply finds its conversation even when a mail client drops In-Reply-To and References.
import { randomBytes } from "node:crypto";

/** 16 characters of [a-z0-9]: unguessable (80 bits), and safe in any mail system's local part. */
export function newReplyToken(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(16);
  let token = "";
  for (const b of bytes) token += alphabet[b % alphabet.length];
  return token;
}

export function replyAddress(mailboxAddress: string, token: string): string {
  const at = mailboxAddress.lastIndexOf("@");
  return `${mailboxAddress.slice(0, at)}+${token}${mailboxAddress.slice(at)}`;
}

/** The token of the first recipient that is this mailbox's address plus a tag; null when there is none. */
export function replyTokenIn(recipients: string[], mailboxAddress: string): string | null {
  const at = mailboxAddress.lastIndexOf("@");
  const local = mailboxAddress.slice(0, at).toLowerCase();
  const domain = mailboxAddress.slice(at + 1).toLowerCase();
  for (const r of recipients) {
    const m = /^([^@+]+)\+([a-z0-9]{8,40})@(.+)$/i.exec(r.trim());
    if (m && m[1]!.toLowerCase() === local && m[3]!.toLowerCase() === domain) return m[2]!.toLowerCase();
  }
  return null;
}

/** Our Message-ID for an outbound message: derived from its id, so every attempt at it carries the same one. */
export function outboundMessageId(messageId: string, mailboxAddress: string): string {
  return `${messageId}@${mailboxAddress.slice(mailboxAddress.lastIndexOf("@") + 1)}`;
}

/** "Re: " once, whatever prefixes the subject had ("RE:", "Re: Re:", "AW:", "SV:"). */
export function replySubject(subject: string | null): string {
  const base = (subject ?? "").replace(/^(\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:\s*)+/i, "").trim();
  return base ? `Re: ${base}` : "Re: your message";
}
