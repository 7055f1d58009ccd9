// Which mails no person wrote (so we never auto-reply to them, RFC 3834), which are bounces of
// mail we sent, and which ask us to stop writing.
import { cleanMessageId, firstValue, headerValues, splitHeaderBlock } from "./headers.ts";
import type { BounceReport, HeaderValues, MailAddress } from "./types.ts";

const AUTOMATED_SENDER = /^(mailer-daemon|postmaster|no-?reply|no_reply|noreply-[^@]*|do-?not-?reply|donotreply)@/i;
const BULK_PRECEDENCE = new Set(["bulk", "junk", "list", "auto_reply"]);
const DIAGNOSTIC_MAX_CHARS = 2000;

/** Why this mail was sent by a machine, or null when a person (probably) wrote it. */
export function automatedReason(headers: HeaderValues, from: MailAddress | null): string | null {
  const autoSubmitted = firstValue(headers, "auto-submitted");
  if (autoSubmitted && autoSubmitted.split(";")[0]!.trim().toLowerCase() !== "no") return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = firstValue(headers, "precedence")?.trim().toLowerCase();
  if (precedence && BULK_PRECEDENCE.has(precedence)) return `Precedence: ${precedence}`;
  if (headers.has("x-auto-response-suppress")) return "X-Auto-Response-Suppress";
  if (headers.has("list-id")) return "List-Id";
  if (headers.has("list-unsubscribe") && precedence) return `List-Unsubscribe with Precedence: ${precedence}`;
  for (const name of ["x-autoreply", "x-autorespond"]) {
    const value = firstValue(headers, name);
    if (value !== null && value.trim().toLowerCase() !== "no") return name === "x-autoreply" ? "X-Autoreply" : "X-Autorespond";
  }
  if (from && AUTOMATED_SENDER.test(from.address)) return `sent from ${from.address}`;
  return null;
}

export interface BounceInput {
  headers: HeaderValues;
  from: MailAddress | null;
  subject: string;
  /** The mail's plain text: the human-readable part of a report, or the whole text of a non-DSN bounce. */
  text: string;
  /** The top-level Content-Type value and its report-type parameter, lower-cased. */
  contentType: string | null;
  reportType: string | null;
  /** The message/delivery-status part, as text. */
  deliveryStatus: string | null;
  /** The headers of the original (from a message/rfc822 or text/rfc822-headers part). */
  originalHeaders: string | null;
}

/** A delivery report about a mail we sent (RFC 3464 DSN, or a mailer-daemon's plain-text notice). */
export function parseBounce(input: BounceInput): BounceReport | null {
  const isDsn = input.contentType === "multipart/report" && input.reportType === "delivery-status";
  if (isDsn || input.deliveryStatus) return parseDsn(input);
  return parsePlainBounce(input);
}

function parseDsn(input: BounceInput): BounceReport {
  const recipients = deliveryStatusRecipients(input.deliveryStatus ?? "");
  // The first failure is the one to report; a delayed one only when nothing failed.
  const chosen = recipients.find((r) => r.get("action")?.toLowerCase() === "failed") ?? recipients[0];
  const recipient = stripType(chosen?.get("final-recipient") ?? chosen?.get("original-recipient") ?? null);
  const status = chosen?.get("status")?.match(/\b[245]\.\d{1,3}\.\d{1,3}\b/)?.[0] ?? null;
  const diagnosticCode = stripType(chosen?.get("diagnostic-code") ?? null);
  return {
    originalMessageId: originalMessageId(input),
    recipient: recipient?.toLowerCase() ?? null,
    status,
    action: chosen?.get("action")?.toLowerCase() ?? null,
    diagnostic: (diagnosticCode ?? input.text.trim()).slice(0, DIAGNOSTIC_MAX_CHARS),
  };
}

/** Per-recipient field groups of a message/delivery-status body (the first group is per-message). */
function deliveryStatusRecipients(body: string): Map<string, string>[] {
  const groups = body
    .replace(/\r\n/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const { key, line } of splitHeaderBlock(block)) {
        if (!fields.has(key)) fields.set(key, line.slice(line.indexOf(":") + 1).replace(/\n[ \t]+/g, " ").trim());
      }
      return fields;
    })
    .filter((fields) => fields.size > 0);
  const perRecipient = groups.filter((g) => g.has("final-recipient") || g.has("original-recipient") || g.has("action"));
  return perRecipient.length > 0 ? perRecipient : groups;
}

/** "rfc822; user@example.com" → "user@example.com"; "smtp; 550 …" → "550 …". */
function stripType(value: string | null): string | null {
  if (!value) return null;
  const semicolon = value.indexOf(";");
  const rest = (semicolon >= 0 && semicolon < 20 ? value.slice(semicolon + 1) : value).trim();
  return rest || null;
}

function originalMessageId(input: BounceInput): string | null {
  if (input.originalHeaders) {
    const headerBlock = input.originalHeaders.replace(/\r\n/g, "\n").split(/\n\n/)[0] ?? "";
    const id = cleanMessageId(firstValue(headerValues(splitHeaderBlock(headerBlock)), "message-id"));
    if (id) return id;
  }
  return (
    cleanMessageId(firstValue(input.headers, "x-original-message-id")) ??
    cleanMessageId(firstValue(input.headers, "in-reply-to")) ??
    messageIdInText(input.text)
  );
}

function messageIdInText(text: string): string | null {
  const match = /^[ \t>]*Message-ID:[ \t]*<([^<>\s]+)>/im.exec(text);
  return match ? match[1]! : null;
}

const BOUNCE_SUBJECT = /undeliver|undelivered|delivery (status notification|failure|has failed)|failure notice|returned mail|mail delivery (failed|failure|subsystem)|could not be delivered|delivery problem/i;

/** Best effort for the older notices that are not DSNs: a mailer-daemon, a telling subject, the original quoted. */
function parsePlainBounce(input: BounceInput): BounceReport | null {
  const fromDaemon = input.from !== null && /^(mailer-daemon|postmaster)@/i.test(input.from.address);
  if (!fromDaemon || !(BOUNCE_SUBJECT.test(input.subject) || BOUNCE_SUBJECT.test(input.text.slice(0, 4000)))) return null;
  const text = input.text.slice(0, 64 * 1024);
  const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] ?? null;
  const recipient =
    /RCPT TO:\s*<([^<>\s]+@[^<>\s]+)>/i.exec(text)?.[1] ??
    /^[ \t]*<?([^\s<>@:]+@[^\s<>:]+?)>?:?[ \t]*$/m.exec(text)?.[1] ??
    null;
  const permanent = status ? status.startsWith("5") : /permanent|failed|does not exist|unknown user|user unknown/i.test(text);
  const delayed = status ? status.startsWith("4") : /delayed|will (retry|continue trying)/i.test(text);
  return {
    originalMessageId: messageIdInText(text) ?? cleanMessageId(firstValue(input.headers, "x-original-message-id")) ?? cleanMessageId(firstValue(input.headers, "in-reply-to")),
    recipient: recipient?.toLowerCase() ?? null,
    status,
    action: permanent ? "failed" : delayed ? "delayed" : null,
    diagnostic: text.trim().slice(0, DIAGNOSTIC_MAX_CHARS),
  };
}

const UNSUBSCRIBE_PHRASES = new Set(["unsubscribe", "stop", "remove me"]);

/** The whole message (or subject) is a request to stop: "Unsubscribe", "STOP!", "remove me." */
export function isUnsubscribeRequest(visibleText: string, subject: string): boolean {
  const normalize = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s]+/gu, " ")
      .replace(/\s+/g, " ")
      .trim();
  const says = (s: string) => s.length <= 200 && UNSUBSCRIBE_PHRASES.has(normalize(s));
  return says(visibleText.trim()) || says(subject.trim());
}
