// The mails of the email benchmark, built before anything is timed: small realistic customer mails
// (a text and an HTML part, 3–5 kB), every third one a reply whose In-Reply-To and References name an
// earlier mail of the same run, so it joins that mail's conversation. Each subject ends with a marker
// "#<tag>-<n>" that the agent socket's MessageView carries back (email.subject), unique per mail.
import { buildMail } from "../test/support/mail-builder.ts";
import { prng } from "./sms-ingest.ts";

export const BENCH_MAILBOX = "support@acme.bench";

export interface BenchMail {
  n: number;
  marker: string;
  /** Without angle brackets, as the product stores it (messages.external_id). */
  messageId: string;
  /** The mail it answers (its index in the same list), or null for a first mail. */
  parent: number | null;
  raw: Buffer;
}

const TOPICS = [
  "Order {n} has not arrived",
  "Wrong size delivered for order {n}",
  "Refund for order {n}",
  "Question about my invoice {n}",
  "Change the delivery address of order {n}",
  "Damaged item in parcel {n}",
  "Cancel my subscription {n}",
  "Discount code {n} does not work",
];

const SENTENCES = [
  "I ordered the blue rain jacket two weeks ago and the tracking page has not changed since last Tuesday.",
  "Could you please check with the carrier what happened to the parcel, and tell me when I can expect it?",
  "I have attached nothing this time, but I can send photos of the box if that helps your warehouse team.",
  "My account is under this address, and the order was paid by card; the amount has already left my account.",
  "If it is easier, I would also accept a replacement in size M instead of a refund, whichever ships sooner.",
  "I tried the chat on your website yesterday evening but nobody answered, so I am writing by email instead.",
  "We are a small office and order from you every month, so I would like to sort this out quickly.",
  "Please do not send a second parcel before we know where the first one is, I do not want to pay twice.",
];

const REPLIES = [
  "Thanks for the quick answer. It still has not arrived today, could you look again?",
  "That works for me, please go ahead with the replacement.",
  "I checked with my neighbours, nobody took the parcel in. What are the next steps?",
  "Sorry, one more question: will the refund go back to the same card?",
];

function paragraphs(random: () => number, count: number): string[] {
  return Array.from({ length: count }, () =>
    Array.from({ length: 3 }, () => SENTENCES[Math.floor(random() * SENTENCES.length)]!).join(" "),
  );
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function htmlOf(paras: string[], quoted: string[] | null, signature: string): string {
  const body = paras.map((p) => `<p style="margin:0 0 12px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">${escapeHtml(p)}</p>`).join("\n");
  const quote = quoted
    ? `<div class="gmail_quote"><blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">${quoted.map((p) => `<p>${escapeHtml(p)}</p>`).join("")}</blockquote></div>`
    : "";
  return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div dir="ltr">\n${body}\n<p style="color:#666">${escapeHtml(signature)}</p>\n${quote}</div></body></html>`;
}

/**
 * `count` mails, every third (n % 3 === 2) a reply to a random earlier mail of the list among the last
 * `replyWindow`, from that mail's sender. `senders` distinct customers write the first mails.
 */
export async function buildWorkload(o: { tag: string; count: number; senders: number; seed: number; replyWindow?: number; firstN?: number }): Promise<BenchMail[]> {
  const random = prng(o.seed);
  const window = o.replyWindow ?? 200;
  const first = o.firstN ?? 0;
  const mails: BenchMail[] = [];
  const meta: { from: string; name: string; subject: string; references: string[]; paras: string[] }[] = [];
  for (let i = 0; i < o.count; i++) {
    const n = first + i;
    const marker = `#${o.tag}-${n}`;
    const messageId = `${o.tag.toLowerCase()}-${n}.${Math.floor(random() * 1e9).toString(36)}@customer.bench`;
    const isReply = i % 3 === 2;
    const parent = isReply ? Math.max(0, i - 1 - Math.floor(random() * Math.min(window, i))) : null;
    let from: string, name: string, base: string, references: string[], quoted: string[] | null, paras: string[];
    if (parent !== null) {
      const p = meta[parent]!;
      ({ from, name } = p);
      base = p.subject;
      references = [...p.references, mails[parent]!.messageId].slice(-10);
      quoted = p.paras;
      paras = [REPLIES[Math.floor(random() * REPLIES.length)]!, ...paragraphs(random, 1)];
    } else {
      const c = Math.floor(random() * o.senders);
      from = `customer${c}@mail${c % 17}.bench`;
      name = `Customer ${c}`;
      base = TOPICS[Math.floor(random() * TOPICS.length)]!.replace("{n}", String(40_000 + Math.floor(random() * 9_999)));
      references = [];
      quoted = null;
      paras = paragraphs(random, 4);
    }
    const signature = `${name} · +1 212 555 ${String(1000 + (n % 9000))}`;
    const quotedText = quoted ? `\n\nOn Mon, 30 Nov 2026 at 10:12, ${name} <${from}> wrote:\n${quoted.map((q) => `> ${q}`).join("\n>\n")}` : "";
    const raw = await buildMail({
      from: `${name} <${from}>`,
      to: `Acme Support <${BENCH_MAILBOX}>`,
      subject: `${parent !== null ? "Re: " : ""}${base} ${marker}`,
      text: `Hello,\n\n${paras.join("\n\n")}\n\nBest regards,\n${signature}${quotedText}\n`,
      html: htmlOf(paras, quoted, signature),
      messageId: `<${messageId}>`,
      ...(parent !== null ? { inReplyTo: `<${mails[parent]!.messageId}>`, references: references.map((r) => `<${r}>`) } : {}),
      headers: { "X-Mailer": "Bench Mail 1.0" },
      date: new Date(Date.UTC(2026, 10, 30, 10, 0, i % 60)),
    });
    mails.push({ n, marker, messageId, parent, raw });
    meta.push({ from, name, subject: base, references, paras });
  }
  return mails;
}

/** The marker's number in a subject of this run, or null. */
export function markerNumber(tag: string, subject: string | undefined): number | null {
  if (!subject) return null;
  const m = new RegExp(`#${tag}-(\\d+)\\s*$`).exec(subject);
  return m ? Number(m[1]) : null;
}
