// The email channel's pure part: a raw RFC 5322 mail → what we store. Fixtures are built here with
// nodemailer's MailComposer (what a real client sends) and by hand (what real servers get wrong).
import { randomBytes } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { parseMail, type MailLimits } from "../channels/email/parse-mail.ts";

const limits: MailLimits = { maxAttachmentBytes: 10 * 1024 * 1024, maxAttachments: 10, maxTotalAttachmentBytes: 20 * 1024 * 1024 };
type ComposeOptions = ConstructorParameters<typeof MailComposer>[0];
const compose = (options: ComposeOptions) => new MailComposer({ from: "customer@example.org", to: "support@ourco.test", ...options }).compile().build();
const raw = (text: string) => Buffer.from(text.replace(/\r?\n/g, "\r\n"));

describe("threading headers", () => {
  it("reads Message-ID, In-Reply-To and many References without brackets, in order, deduped", async () => {
    const mail = await parseMail(
      await compose({ messageId: "<reply-3@example.org>", inReplyTo: "<out-2@ourco.test>", references: ["<root-1@ourco.test>", "<out-2@ourco.test>", "<root-1@ourco.test>"], text: "Thanks" }),
      limits,
    );
    expect(mail.messageId).toBe("reply-3@example.org");
    expect(mail.inReplyTo).toBe("out-2@ourco.test");
    expect(mail.references).toEqual(["root-1@ourco.test", "out-2@ourco.test"]);
  });

  it("reads a single References id (mailparser gives a string) and no In-Reply-To as null", async () => {
    const mail = await parseMail(raw("From: a@example.org\nMessage-ID: <x@example.org>\nReferences: <only@ourco.test>\nSubject: hi\n\nbody\n"), limits);
    expect(mail.references).toEqual(["only@ourco.test"]);
    expect(mail.inReplyTo).toBeNull();
  });

  it("gives a mail without Message-ID a stable synthetic one from its bytes", async () => {
    const text = "From: a@example.org\nSubject: no id\n\nbody\n";
    const first = await parseMail(raw(text), limits);
    const again = await parseMail(raw(text), limits);
    const other = await parseMail(raw(text + "more\n"), limits);
    expect(first.messageId).toMatch(/^missing-[0-9a-f]{32}@switchboard\.invalid$/);
    expect(again.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
  });
});

describe("addresses", () => {
  it("lower-cases addresses and collects every recipient the mail was delivered to", async () => {
    const mail = await parseMail(
      raw(
        [
          'From: "Alice Doe" <Alice.Doe@Example.ORG>',
          "To: Support <SUPPORT@ourco.test>",
          "Cc: Bob@Example.org, support@ourco.test",
          "Reply-To: Alice <Alice+Reply@Example.org>",
          "Delivered-To: Help+Tag@OurCo.test",
          "X-Original-To: help@ourco.test",
          "Envelope-To: billing@ourco.test",
          "Message-ID: <a@example.org>",
          "Date: Tue, 02 Jan 2024 10:00:00 +0000",
          "",
          "Hi",
        ].join("\n"),
      ),
      limits,
    );
    expect(mail.from).toEqual({ address: "alice.doe@example.org", name: "Alice Doe" });
    expect(mail.cc.map((a) => a.address)).toEqual(["bob@example.org", "support@ourco.test"]);
    expect(mail.replyTo).toEqual([{ address: "alice+reply@example.org", name: "Alice" }]);
    expect(mail.recipients).toEqual(["support@ourco.test", "bob@example.org", "help+tag@ourco.test", "help@ourco.test", "billing@ourco.test"]);
    expect(mail.date?.toISOString()).toBe("2024-01-02T10:00:00.000Z");
  });

  it("gives an unreadable Date as null, not the time of parsing", async () => {
    const mail = await parseMail(raw("From: a@example.org\nDate: yesterday-ish\nMessage-ID: <d@x>\n\nbody\n"), limits);
    expect(mail.date).toBeNull();
  });
});

describe("visible text of replies", () => {
  it("drops a Gmail-style quote", async () => {
    const text = "Thanks, that fixed it!\n\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@ourco.test> wrote:\n> Have you tried turning it off and on?\n> Support\n";
    const mail = await parseMail(await compose({ text }), limits);
    expect(mail.visibleText).toBe("Thanks, that fixed it!");
    expect(mail.text).toContain("Have you tried");
  });

  it("drops an Outlook-style From/Sent header block and what follows", async () => {
    const text = "Yes, please cancel it.\n\nFrom: Support Team <support@ourco.test>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Bob <bob@example.org>\nSubject: Your order\n\nDo you want to cancel?\n";
    const mail = await parseMail(await compose({ text }), limits);
    expect(mail.visibleText).toBe("Yes, please cancel it.");
  });

  it("drops a signature after '-- ' and keeps text that quotes nothing as is", async () => {
    const signed = await parseMail(await compose({ text: "Here is my answer.\n\n-- \nBob Smith\nACME Inc.\n" }), limits);
    expect(signed.visibleText).toBe("Here is my answer.");
    const plain = await parseMail(await compose({ text: "Hello,\n\nI have a question about my bill.\n" }), limits);
    expect(plain.visibleText).toBe(plain.text);
  });

  it("derives the text from the HTML when there is no text part", async () => {
    const mail = await parseMail(await compose({ html: "<p>Hello <b>there</b></p><p>Second &amp; last</p>", attachments: [{ filename: "a.txt", content: "x" }] }), limits);
    expect(mail.text).toContain("Hello there");
    expect(mail.text).toContain("Second & last");
  });
});

describe("HTML", () => {
  it("wraps Gmail's quoted part in a collapsed details element, keeping it", async () => {
    const html = '<div dir="ltr">Sounds good</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Support wrote:</div><blockquote class="gmail_quote">Earlier text</blockquote></div>';
    const mail = await parseMail(await compose({ html, text: "Sounds good" }), limits);
    expect(mail.html).toMatch(/^<div>Sounds good<\/div><br \/><details class="sb-quoted"><summary>Quoted text<\/summary><div>.*Earlier text.*<\/div><\/details>$/);
  });

  it("wraps Outlook's divRplyFwdMsg and everything after it", async () => {
    const html = '<div><p>Reply here</p><hr><div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Monday</div><div>Old message</div></div>';
    const mail = await parseMail(await compose({ html }), limits);
    expect(mail.html?.trim()).toBe('<div><p>Reply here</p><hr /><details class="sb-quoted"><summary>Quoted text</summary><div><b>From:</b> Support<br /><b>Sent:</b> Monday</div><div>Old message</div></details></div>');
  });

  it("has html null when the mail has no html part", async () => {
    expect((await parseMail(await compose({ text: "plain" }), limits)).html).toBeNull();
  });
});

describe("attachments within limits", () => {
  const file = (i: number, size = 100) => ({ filename: `file-${i}.bin`, content: Buffer.alloc(size, i), contentType: "application/octet-stream" });

  it("keeps the first 10 of 20 in order and withholds the other 10 as too_many", async () => {
    const mail = await parseMail(await compose({ text: "files", attachments: Array.from({ length: 20 }, (_, i) => file(i)) }), limits);
    expect(mail.attachments.map((a) => a.filename)).toEqual(Array.from({ length: 10 }, (_, i) => `file-${i}.bin`));
    expect(mail.withheld.map((w) => [w.filename, w.reason])).toEqual(Array.from({ length: 10 }, (_, i) => [`file-${i + 10}.bin`, "too_many"]));
    expect(mail.attachments[3]!.content.equals(Buffer.alloc(100, 3))).toBe(true);
  });

  it("withholds one over the size limit and keeps the rest", async () => {
    const small = { maxAttachmentBytes: 1000, maxAttachments: 10, maxTotalAttachmentBytes: 10_000 };
    const mail = await parseMail(await compose({ text: "x", attachments: [file(1), file(2, 1001), file(3)] }), small);
    expect(mail.attachments.map((a) => a.filename)).toEqual(["file-1.bin", "file-3.bin"]);
    expect(mail.withheld).toEqual([{ filename: "file-2.bin", contentType: "application/octet-stream", size: 1001, reason: "too_large" }]);
  });

  it("withholds the one that would pass the total, and keeps a later one that fits", async () => {
    const small = { maxAttachmentBytes: 1000, maxAttachments: 10, maxTotalAttachmentBytes: 1500 };
    const mail = await parseMail(await compose({ text: "x", attachments: [file(1, 800), file(2, 800), file(3, 600)] }), small);
    expect(mail.attachments.map((a) => a.filename)).toEqual(["file-1.bin", "file-3.bin"]);
    expect(mail.withheld.map((w) => [w.filename, w.reason, w.size])).toEqual([["file-2.bin", "total_too_large", 800]]);
  });

  it("counts an inline cid image as an attachment, its Content-ID without brackets", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
    const mail = await parseMail(await compose({ html: '<p>Logo <img src="cid:logo@x"></p>', attachments: [{ filename: "logo.png", content: png, cid: "logo@x" }] }), limits);
    expect(mail.attachments).toMatchObject([{ filename: "logo.png", contentType: "image/png", contentId: "logo@x", inline: true, size: png.length }]);
    expect(mail.html).toContain('<img src="cid:logo@x" />');
  });

  it("parses a 25 MB mail quickly and withholds its 24 MB attachment without holding it", async () => {
    const big = await compose({ text: "see attached", attachments: [{ filename: "video.mp4", content: randomBytes(24 * 1024 * 1024) }] });
    expect(big.length).toBeGreaterThan(25 * 1024 * 1024);
    const started = Date.now();
    const mail = await parseMail(big, limits);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(mail.attachments).toEqual([]);
    expect(mail.withheld).toEqual([{ filename: "video.mp4", contentType: "video/mp4", size: 24 * 1024 * 1024, reason: "too_large" }]);
    expect(mail.visibleText).toBe("see attached");
  });
});

describe("malformed mail never throws", () => {
  const boundaryMail = (part: string) => `From: a@example.org\nMessage-ID: <m@example.org>\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\n${part}`;
  const corpus: [string, Buffer, string | null][] = [
    ["unterminated boundary", raw(boundaryMail("Content-Type: text/plain\n\nhalf a message")), "half a message"],
    ["bad base64", raw(boundaryMail('Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not*base64$$$\n--b1--\n')), null],
    ["unknown charset", Buffer.concat([raw("From: a@example.org\nContent-Type: text/plain; charset=x-klingon\n\n"), Buffer.from([0xc3, 0x28, 0xff, 0x41])]), null],
    ["no headers at all", raw("\njust a body\n"), "just a body"],
    ["a 100 kB header line", raw(`From: a@example.org\nSubject: ${"x".repeat(100 * 1024)}\n\nbody after a long header\n`), "body after a long header"],
    ["binary garbage", randomBytes(64 * 1024), null],
    ["header block past mailparser's 1 MB cap", raw(`From: a@example.org\n${"X-Junk: y\n".repeat(120_000)}\nbody kept anyway\n`), "body kept anyway"],
    ["empty input", Buffer.alloc(0), null],
    ["parts nested 300 deep", raw(`From: a@example.org\n${Array.from({ length: 300 }, (_, i) => `Content-Type: multipart/mixed; boundary="n${i}"\n\n--n${i}\n`).join("")}Content-Type: text/plain\n\ndeep\n`), null],
    ["boundary missing from Content-Type", raw("From: a@example.org\nContent-Type: multipart/alternative\n\n--x\nContent-Type: text/plain\n\nhello\n--x--\n"), "hello"],
  ];
  it.each(corpus)("%s", async (_name, input, expectedText) => {
    const mail = await parseMail(input, limits);
    expect(typeof mail.messageId).toBe("string");
    expect(mail.messageId.length).toBeGreaterThan(0);
    expect(typeof mail.text).toBe("string");
    if (expectedText) expect(mail.text).toContain(expectedText);
  });

  it("names what it could not read", async () => {
    const mail = await parseMail(corpus[6]![1], limits);
    expect(mail.problems.length).toBeGreaterThan(0);
    expect(mail.from?.address).toBe("a@example.org");
  });
});
