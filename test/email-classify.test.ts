// Mail no person wrote: auto-replies and lists (never answered automatically), bounces of mail we
// sent (tied back to it by the original's Message-ID), and requests to stop writing.
import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { headerValues, splitHeaderBlock } from "../channels/email/headers.ts";
import { automatedReason, parseMail, type MailLimits } from "../channels/email/parse-mail.ts";

const limits: MailLimits = { maxAttachmentBytes: 1024 * 1024, maxAttachments: 10, maxTotalAttachmentBytes: 5 * 1024 * 1024 };
type ComposeOptions = ConstructorParameters<typeof MailComposer>[0];
const compose = (options: ComposeOptions) => new MailComposer({ from: "customer@example.org", to: "support@ourco.test", ...options }).compile().build();
const raw = (text: string) => Buffer.from(text.replace(/\r?\n/g, "\r\n"));

// As Postfix 3.7 writes it: a notification, the delivery-status part, the original's headers.
const POSTFIX_DSN = `Return-Path: <>
Delivered-To: support@ourco.test
Date: Tue,  2 Jan 2024 10:00:05 +0000 (UTC)
From: MAILER-DAEMON@mx.ourco.test (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: support@ourco.test
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="8B6C3C0A1D.1704189605/mx.ourco.test"
Content-Transfer-Encoding: 8bit
Message-Id: <20240102100005.9E2B3C0A1E@mx.ourco.test>

This is a MIME-encapsulated message.

--8B6C3C0A1D.1704189605/mx.ourco.test
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.ourco.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<nobody@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1
    <nobody@example.org>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--8B6C3C0A1D.1704189605/mx.ourco.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.ourco.test
X-Postfix-Queue-ID: 8B6C3C0A1D
X-Postfix-Sender: rfc822; support@ourco.test
Arrival-Date: Tue,  2 Jan 2024 10:00:04 +0000 (UTC)

Final-Recipient: rfc822; Nobody@example.org
Original-Recipient: rfc822;nobody@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address
    rejected: User unknown in local recipient table

--8B6C3C0A1D.1704189605/mx.ourco.test
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

Return-Path: <support@ourco.test>
Received: by mx.ourco.test (Postfix, from userid 0)
\tid 8B6C3C0A1D; Tue,  2 Jan 2024 10:00:04 +0000 (UTC)
From: Support <support@ourco.test>
To: nobody@example.org
Subject: Re: Your order
Message-ID: <out-42@ourco.test>
Date: Tue, 02 Jan 2024 10:00:04 +0000

--8B6C3C0A1D.1704189605/mx.ourco.test--
`;

describe("bounces", () => {
  it("reads a Postfix DSN: the original's Message-ID, the recipient, status 5.1.1 and the diagnostic", async () => {
    const mail = await parseMail(raw(POSTFIX_DSN), limits);
    expect(mail.bounce).toEqual({
      originalMessageId: "out-42@ourco.test",
      recipient: "nobody@example.org",
      status: "5.1.1",
      action: "failed",
      diagnostic: "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table",
    });
    expect(mail.automated).not.toBeNull();
    expect(mail.attachments).toEqual([]);
    expect(mail.withheld).toEqual([]);
    expect(mail.text).toContain("could not\nbe delivered");
    expect(mail.unsubscribeRequest).toBe(false);
  });

  it("finds the original in a message/rfc822 part as well", async () => {
    const dsn = POSTFIX_DSN.replace("Content-Type: text/rfc822-headers", "Content-Type: message/rfc822").replace(
      "Date: Tue, 02 Jan 2024 10:00:04 +0000\n",
      "Date: Tue, 02 Jan 2024 10:00:04 +0000\n\nThe reply we sent.\n",
    );
    expect((await parseMail(raw(dsn), limits)).bounce?.originalMessageId).toBe("out-42@ourco.test");
  });

  it("falls back to X-Original-Message-ID when the report carries no headers of the original", async () => {
    const dsn = POSTFIX_DSN.replace("Message-ID: <out-42@ourco.test>\n", "").replace("Auto-Submitted: auto-replied\n", "Auto-Submitted: auto-replied\nX-Original-Message-ID: <out-43@ourco.test>\n");
    expect((await parseMail(raw(dsn), limits)).bounce?.originalMessageId).toBe("out-43@ourco.test");
  });

  it("reads an Exim-style plain-text bounce from a mailer-daemon, best effort", async () => {
    const text = `From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: support@ourco.test
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1abc-0001@mx.example.net>

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.net
    SMTP error from remote mail server after RCPT TO:<gone@example.net>:
    550 5.1.1 User unknown

------ This is a copy of the message, including all the headers. ------

From: Support <support@ourco.test>
Message-ID: <out-77@ourco.test>
Subject: Re: Refund

Your refund is on its way.
`;
    const mail = await parseMail(raw(text), limits);
    expect(mail.bounce).toMatchObject({ originalMessageId: "out-77@ourco.test", recipient: "gone@example.net", status: "5.1.1", action: "failed" });
    expect(mail.automated).not.toBeNull();
  });

  it("does not read an ordinary mail as a bounce", async () => {
    expect((await parseMail(await compose({ subject: "Undelivered parcel", text: "My parcel never came." }), limits)).bounce).toBeNull();
  });
});

describe("requests to stop", () => {
  const cases: [string, { subject?: string; text: string }, boolean][] = [
    ["body 'Unsubscribe'", { text: "Unsubscribe\n" }, true],
    ["body 'STOP!'", { text: "  STOP!  " }, true],
    ["body 'remove me.'", { text: "remove me." }, true],
    ["subject 'unsubscribe', empty body", { subject: "unsubscribe", text: "" }, true],
    ["'stop' above a quoted mail", { text: "stop\n\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@ourco.test> wrote:\n> Our newsletter\n" }, true],
    ["a sentence with stop in it", { text: "Please stop sending me the wrong size" }, false],
    ["'unsubscribe' only in the quote", { text: "Thanks!\n\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@ourco.test> wrote:\n> unsubscribe\n" }, false],
  ];
  it.each(cases)("%s", async (_name, content, expected) => {
    expect((await parseMail(await compose({ subject: "Hello", ...content }), limits)).unsubscribeRequest).toBe(expected);
  });
});

describe("automated mail", () => {
  const lookup = (block: string) => headerValues(splitHeaderBlock(block));
  const table: [string, string, boolean][] = [
    ["Auto-Submitted: auto-replied", "", true],
    ["Auto-Submitted: auto-generated; owner-email=x@y", "", true],
    ["Auto-Submitted: no", "", false],
    ["Precedence: bulk", "", true],
    ["Precedence: junk", "", true],
    ["Precedence: list", "", true],
    ["Precedence: auto_reply", "", true],
    ["Precedence: first-class", "", false],
    ["X-Auto-Response-Suppress: All", "", true],
    ["List-Id: <news.example.org>", "", true],
    ["X-Autoreply: yes", "", true],
    ["X-Autorespond: Out of office", "", true],
    ["", "mailer-daemon@mx.example.org", true],
    ["", "MAILER-DAEMON@mx.example.org", true],
    ["", "postmaster@example.org", true],
    ["", "noreply@shop.example", true],
    ["", "no-reply@shop.example", true],
    ["Subject: hello", "alice@example.org", false],
  ];
  it.each(table)("%s from %s → automated %s", (header, from, automated) => {
    const reason = automatedReason(lookup(header), from ? { address: from.toLowerCase(), name: null } : null);
    expect(reason !== null).toBe(automated);
  });

  it("marks a parsed auto-reply as automated", async () => {
    const mail = await parseMail(await compose({ headers: { "Auto-Submitted": "auto-replied" }, text: "I am away" }), limits);
    expect(mail.automated?.reason).toMatch(/auto-replied/);
  });
});
