// The new part of a reply: email-reply-parser drops quoted history ("> …", "On … wrote:",
// Outlook's "From: … Sent: …" block) and the signature. We keep the whole text too: this is
// only what the agent sees first.
import EmailReplyParser from "email-reply-parser";

/** Its regular expressions backtrack on long lines (no RE2 here): longer text is shown whole. */
const MAX_REPLY_PARSE_CHARS = 100_000;
const MAX_LINE_CHARS = 2_000;

export function visibleReplyText(text: string): string {
  if (text.length > MAX_REPLY_PARSE_CHARS || text.split("\n").some((line) => line.length > MAX_LINE_CHARS)) return text;
  const email = new EmailReplyParser().read(text);
  const hidesSomething = email.getFragments().some((f) => f.isHidden() && !f.isEmpty());
  if (!hidesSomething) return text;
  const visible = email.getVisibleText().trim();
  // A mail that is all quote (or all signature) still shows something.
  return visible === "" ? text : visible;
}
