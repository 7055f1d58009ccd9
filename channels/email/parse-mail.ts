// One raw RFC 5322 mail → what the email channel stores. Pure: no database, no network. It never
// throws on a malformed mail: what cannot be read is named in `problems`, and at worst the raw text
// is the body, so no customer's message is lost to a parser.
import { createHash } from "node:crypto";
import type { Headers, StructuredHeader } from "mailparser";
import { automatedReason, isUnsubscribeRequest, parseBounce } from "./classify.ts";
import {
  addressesOf,
  cleanMessageId,
  dedupe,
  firstValue,
  headerValues,
  messageIdList,
  parseAddressHeader,
  parseDateHeader,
  splitHeaderBlock,
} from "./headers.ts";
import { MAX_HTML_CHARS, emptyContent, readMime, type MimeContent } from "./mime-reader.ts";
import { visibleReplyText } from "./reply-text.ts";
import { htmlToText, sanitizeEmailHtml } from "./sanitize-html.ts";
import type { HeaderValues, MailAddress, MailLimits, ParsedMail } from "./types.ts";

export type { BounceReport, HeaderValues, MailAddress, MailAttachment, MailLimits, ParsedMail, WithheldAttachment, WithheldReason } from "./types.ts";
export { automatedReason, isUnsubscribeRequest, parseBounce } from "./classify.ts";
export { htmlToText, sanitizeEmailHtml } from "./sanitize-html.ts";

const MAX_SUBJECT_CHARS = 1000;
/** The raw text shown when the MIME structure could not be read. */
const MAX_FALLBACK_TEXT_CHARS = 1024 * 1024;

export async function parseMail(raw: Buffer, limits: MailLimits): Promise<ParsedMail> {
  let mime: MimeContent;
  try {
    mime = await readMime(raw, limits);
  } catch (err) {
    // readMime reports through its result; this is for a throw from inside mailparser itself.
    mime = emptyContent(`the MIME parser failed: ${(err as Error).message}`);
  }
  try {
    return assemble(raw, mime);
  } catch (err) {
    // A bug of ours on a strange mail must not lose it either: keep the raw text.
    return assemble(raw, emptyContent(`the mail could not be assembled: ${(err as Error).message}`));
  }
}

function assemble(raw: Buffer, mime: MimeContent): ParsedMail {
  const problems = [...mime.problems];
  const { head, body } = splitRaw(raw);
  // Without mailparser's headers (it failed before them), read the header block ourselves.
  const lines = mime.headers ? mime.headerLines : splitHeaderBlock(head);
  const values = headerValues(lines);
  const parsed: Headers = mime.headers ?? new Map();

  const from = addressesOf(parsed.get("from"))[0] ?? parseAddressHeader(values.get("from"))[0] ?? null;
  const to = addresses(parsed, values, "to");
  const cc = addresses(parsed, values, "cc");
  const replyTo = addresses(parsed, values, "reply-to");
  const recipients = dedupe([
    ...to.map((a) => a.address),
    ...cc.map((a) => a.address),
    ...addresses(parsed, values, "delivered-to").map((a) => a.address),
    ...parseAddressHeader(values.get("x-original-to")).map((a) => a.address),
    ...parseAddressHeader(values.get("envelope-to")).map((a) => a.address),
  ]);

  let messageId = cleanMessageId(parsed.get("message-id") ?? firstValue(values, "message-id"));
  if (!messageId) {
    messageId = `missing-${createHash("sha256").update(raw).digest("hex").slice(0, 32)}@switchboard.invalid`;
    problems.push("the mail has no Message-ID: a stable one was made from its content");
  }
  const inReplyTo = cleanMessageId(parsed.get("in-reply-to") ?? firstValue(values, "in-reply-to"));
  const references = messageIdList(parsed.get("references") ?? values.get("references"));

  let subject = typeof parsed.get("subject") === "string" ? (parsed.get("subject") as string) : (firstValue(values, "subject") ?? "");
  if (subject.length > MAX_SUBJECT_CHARS) {
    subject = subject.slice(0, MAX_SUBJECT_CHARS);
    problems.push(`the subject was cut to ${MAX_SUBJECT_CHARS} characters`);
  }
  if (!from) problems.push("the mail has no readable From address");

  let rawHtml = mime.html;
  if (rawHtml !== null && rawHtml.length > MAX_HTML_CHARS) {
    rawHtml = rawHtml.slice(0, MAX_HTML_CHARS);
    problems.push(`the HTML was cut to ${MAX_HTML_CHARS} characters`);
  }
  const html = rawHtml !== null ? sanitizeEmailHtml(rawHtml) : null;
  let text = mime.text ?? "";
  if (text.trim() === "" && rawHtml !== null) text = htmlToText(rawHtml);
  if (!mime.complete) {
    // The structure broke: show the body as it came rather than nothing.
    text ||= readableText(body || raw.toString("latin1"));
    problems.push("the mail's structure could not be read: its raw text is shown");
  } else if (text.trim() === "" && rawHtml === null && mime.attachments.length === 0 && mime.withheld.length === 0 && body.trim() !== "") {
    // Parsed, yet no part held text (a multipart without its boundary, say): the raw body beats nothing.
    text = readableText(body);
    problems.push("no readable text part was found: the raw body is shown");
  }
  if (text.includes("\uFFFD")) problems.push("some characters could not be decoded (unknown or wrong charset)");
  const visibleText = visibleReplyText(text);

  const structured = structuredHeader(parsed.get("content-type"));
  const bounce = parseBounce({
    headers: values,
    from,
    subject,
    text,
    contentType: typeof structured?.value === "string" ? structured.value.toLowerCase() : null,
    reportType: typeof structured?.params["report-type"] === "string" ? structured.params["report-type"].toLowerCase() : null,
    deliveryStatus: mime.report.deliveryStatus,
    originalHeaders: mime.report.originalHeaders,
  });
  const reason = automatedReason(values, from) ?? (bounce ? "delivery report (bounce)" : null);

  return {
    messageId,
    inReplyTo,
    references,
    from,
    replyTo,
    to,
    cc,
    recipients,
    subject,
    date: parseDateHeader(firstValue(values, "date")),
    text,
    visibleText,
    html,
    attachments: mime.attachments,
    withheld: mime.withheld,
    automated: reason ? { reason } : null,
    bounce,
    unsubscribeRequest: !bounce && isUnsubscribeRequest(visibleText, subject),
    problems,
  };
}

function structuredHeader(value: unknown): StructuredHeader | null {
  if (typeof value !== "object" || value === null || !("value" in value) || !("params" in value)) return null;
  return value as StructuredHeader;
}

function addresses(parsed: Headers, values: HeaderValues, name: string): MailAddress[] {
  const fromParser = addressesOf(parsed.get(name));
  return fromParser.length > 0 ? fromParser : parseAddressHeader(values.get(name));
}


/** The header block and the body of the raw mail, split at the first empty line. */
function splitRaw(raw: Buffer): { head: string; body: string } {
  const window = raw.subarray(0, 2 * 1024 * 1024).toString("latin1");
  const match = /\r?\n\r?\n/.exec(window);
  if (!match) return { head: window, body: "" };
  return { head: window.slice(0, match.index), body: raw.subarray(match.index + match[0].length).toString("utf8") };
}

/** Text a person can read: control characters (binary garbage) dropped, size capped. */
function readableText(value: string): string {
  return value
    .slice(0, MAX_FALLBACK_TEXT_CHARS)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]+/g, "")
    .trim();
}
