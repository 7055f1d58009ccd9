// What a mail brings, through Dovecot and the watcher: attachments within limits kept and the rest listed
// with the reason, a 25 MB mail and malformed MIME stored without a crash, automated mail kept but not
// routed, a bounce marking what it bounced `failed`, inline images and sanitized HTML served for display.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createQueue } from "./support/factories.ts";
import { MAILBOX, startEmailApp, type EmailApp } from "./support/email-app.ts";
import { buildMail, rawMail } from "./support/mail-builder.ts";
import { eventually } from "./support/test-app.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";

let e: EmailApp;
let cookie: string;

beforeAll(async () => {
  e = await startEmailApp({ env: { EMAIL_MAX_ATTACHMENTS: "10", EMAIL_MAX_ATTACHMENT_MB: "5", EMAIL_MAX_MESSAGE_MB: "30" } });
  await createQueue(e.t.pool, { name: "Support" });
  const agent = await createAgent(e.t.pool, { presence: "offline" });
  cookie = await e.t.login(agent.email);
});
afterAll(async () => e?.close());

const conversationOf = async (id: string) =>
  (await e.t.pool.query<{ status: string; waiting_since: Date | null }>(`SELECT status, waiting_since FROM conversations WHERE id = $1`, [id])).rows[0]!;

describe("attachments", () => {
  it("20 attachments with a limit of 10: ten kept in order, ten listed as withheld with the reason", async () => {
    const attachments = Array.from({ length: 20 }, (_, i) => ({ filename: `scan-${i + 1}.txt`, content: `page ${i + 1}\n`, contentType: "text/plain" }));
    const { messageId } = await e.receive({ from: "many@example.net", subject: "Scans", attachments });
    const stored = await e.stored(messageId);
    expect(stored.media.map((m) => m.name)).toEqual(attachments.slice(0, 10).map((a) => a.filename));
    expect(stored.metadata.email.withheld.map((w) => [w.filename, w.reason])).toEqual(attachments.slice(10).map((a) => [a.filename, "too_many"]));
    const files = await e.t.pool.query(`SELECT 1 FROM attachments WHERE message_id = $1`, [stored.id]);
    expect(files.rowCount).toBe(10);
    // Each kept file downloads through its signed link (the path of it; PUBLIC_URL is not this server).
    const res = await fetch(e.t.url + new URL(stored.media[0]!.url!).pathname);
    expect(await res.text()).toBe("page 1\n");
  });

  it("a 25 MB mail is stored, its oversized attachment withheld, the raw mail kept whole", async () => {
    // 19 MB of attachment is a 25+ MB mail in base64: under EMAIL_MAX_MESSAGE_MB (30 here), so fetched whole.
    const big = Buffer.alloc(19 * 1024 * 1024, 7);
    const { messageId } = await e.receive({ from: "big@example.net", subject: "Big file", text: "See attached", attachments: [{ filename: "video.bin", content: big, contentType: "application/octet-stream" }] });
    const stored = await e.stored(messageId, 30_000);
    expect(stored.body).toContain("See attached");
    expect(stored.metadata.email.withheld).toEqual([{ filename: "video.bin", contentType: "application/octet-stream", size: expect.any(Number), reason: "too_large" }]);
    const raw = await e.t.pool.query<{ raw_size: number }>(`SELECT raw_size FROM email_contents WHERE message_id = $1`, [stored.id]);
    expect(raw.rows[0]!.raw_size).toBeGreaterThan(25 * 1024 * 1024);
  }, 60_000);

  it("a mail over EMAIL_MAX_MESSAGE_MB is not fetched: its headers and a note stand for it, and the mailbox goes on", async () => {
    const huge = Buffer.alloc(24 * 1024 * 1024, 9);
    const { messageId } = await e.receive({ from: "Huge Sender <huge@example.net>", subject: "Too big", text: "see attached", attachments: [{ filename: "huge.bin", content: huge }] });
    await e.dovecot.append("support", await buildMail({ from: "small@example.net", to: MAILBOX, subject: "After the huge one", messageId: "after-huge@example.net" }));
    const stored = await e.stored(messageId, 30_000);
    expect(stored.metadata.email.subject).toBe("Too big");
    expect(stored.metadata.email.from).toEqual({ address: "huge@example.net", name: "Huge Sender" });
    expect(stored.body).toMatch(/over the limit of 30\.0 MB: Switchboard did not fetch it, and it is still in the mailbox/);
    await e.stored("after-huge@example.net");
  }, 60_000);
});

describe("malformed mail", () => {
  it("is stored with what could be read and the problems named; the mails after it still arrive", async () => {
    const broken = rawMail([
      "From: Broken Sender <broken@example.net>",
      `To: ${MAILBOX}`,
      "Subject: =?utf-8?B?not base64!!?=",
      "Message-ID: <broken-1@example.net>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="never-closed"',
      "",
      "--never-closed",
      "Content-Type: text/plain; charset=no-such-charset",
      "Content-Transfer-Encoding: base64",
      "",
      "%%% this is not base64 %%%",
      "--never-closed",
      "Content-Type: application/pdf; name=x.pdf",
      "Content-Transfer-Encoding: base64",
      "",
      "JVBERi0xLjQK",
    ]);
    await e.dovecot.append("support", broken);
    await e.dovecot.append("support", await buildMail({ from: "after@example.net", to: MAILBOX, subject: "After the broken one", messageId: "after-broken@example.net" }));
    const stored = await e.stored("broken-1@example.net");
    expect(stored.metadata.email.from?.address).toBe("broken@example.net");
    expect(stored.metadata.email.problems.length).toBeGreaterThan(0);
    await e.stored("after-broken@example.net");
  });

  it("with NUL characters (which PostgreSQL refuses) in its subject and body is stored without them", async () => {
    await e.dovecot.append("support", rawMail([
      "From: nul@example.net",
      `To: ${MAILBOX}`,
      `Subject: =?utf-8?B?${Buffer.from("Hi\u0000there").toString("base64")}?=`,
      "Message-ID: <nul-1@example.net>",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("before\u0000after").toString("base64"),
    ]));
    const stored = await e.stored("nul-1@example.net");
    expect(stored.metadata.email.subject).toBe("Hithere");
    expect(stored.body).toContain("beforeafter");
  });
});

describe("a mail that can never be stored as it is", () => {
  it("is stored whole as unreadable after three tries, and the mailbox goes on", async () => {
    await e.t.pool.query(`
      CREATE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id = 'poison@example.net' THEN RAISE EXCEPTION 'refused by the test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_refuse_poison();`);
    try {
      await e.dovecot.append("support", await buildMail({ from: "poison@example.net", to: MAILBOX, subject: "Poison", text: "cannot be stored", messageId: "poison@example.net" }));
      await e.dovecot.append("support", await buildMail({ from: "next@example.net", to: MAILBOX, subject: "After the poison", messageId: "after-poison@example.net" }));
      await e.stored("after-poison@example.net");
      const { rows } = await e.t.pool.query<{ body: string; metadata: { email: { automated: string; problems: string[] } } }>(
        `SELECT body, metadata FROM messages WHERE external_id LIKE 'unreadable-%'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.body).toContain("cannot be stored");
      expect(rows[0]!.metadata.email.problems[0]).toMatch(/could not be stored 3 times/);
    } finally {
      await e.t.pool.query(`DROP TRIGGER test_refuse_poison ON messages; DROP FUNCTION test_refuse_poison()`);
    }
  });
});

describe("automated mail", () => {
  it("is stored but opens no routed work: auto-replies, lists, bulk, mailer-daemons", async () => {
    const cases: Record<string, string>[] = [
      { "Auto-Submitted": "auto-replied" },
      { Precedence: "bulk" },
      { "List-Id": "<news.example.net>" },
      { "X-Auto-Response-Suppress": "All" },
    ];
    for (const [i, headers] of cases.entries()) {
      const { messageId } = await e.receive({ from: `robot${i}@example.net`, subject: "Automatic", headers });
      const stored = await e.stored(messageId);
      expect(stored.metadata.email.automated).toBeTruthy();
      const c = await conversationOf(stored.conversation_id);
      expect(c).toEqual({ status: "resolved", waiting_since: null });
    }
    const daemon = await e.receive({ from: "MAILER-DAEMON@mx.example.net", subject: "Undeliverable" });
    expect((await e.stored(daemon.messageId)).metadata.email.automated).toBeTruthy();
  });

  it("routes no work for mail without a sender, from our own address, or past 20 new threads an hour from one address", async () => {
    await e.dovecot.append("support", rawMail([`To: ${MAILBOX}`, "Subject: who am I", "Message-ID: <no-sender@example.net>", "", "no From header"]));
    const anonymous = await e.stored("no-sender@example.net");
    expect(anonymous.metadata.email.automated).toBe("no sender address");
    const own = await e.receive({ from: MAILBOX, subject: "Looped back" });
    expect((await e.stored(own.messageId)).metadata.email.automated).toMatch(/own address/);
    expect((await conversationOf((await e.stored(own.messageId)).conversation_id)).status).toBe("resolved");

    for (let i = 0; i < 20; i++) await e.dovecot.append("support", await buildMail({ from: "bomb@example.net", to: MAILBOX, subject: `Thread ${i}`, messageId: `bomb-${i}@example.net` }));
    await e.dovecot.append("support", await buildMail({ from: "bomb@example.net", to: MAILBOX, subject: "One too many", messageId: "bomb-20@example.net" }));
    const last = await e.stored("bomb-20@example.net");
    expect(last.metadata.email.automated).toMatch(/more than 20 new threads/);
    expect((await conversationOf(last.conversation_id)).status).toBe("resolved");
    const routed = await e.t.pool.query(`SELECT 1 FROM conversations WHERE customer_address = 'bomb@example.net' AND status <> 'resolved'`);
    expect(routed.rowCount).toBe(20);
  });

  it("a bounce (DSN) is attached to the message it bounced and marks it failed with the report's reason", async () => {
    const { messageId } = await e.receive({ from: "bounce-me@example.net", subject: "Please answer" });
    const inbound = await e.stored(messageId);
    await e.t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = (SELECT id FROM agents LIMIT 1) WHERE id = $1`, [inbound.conversation_id]);
    const sent = await e.t.api<{ message: { id: string } }>(cookie, "POST", `/api/conversations/${inbound.conversation_id}/messages`, { body: "Our answer" });
    expect(sent.status).toBe(201);
    const ours = await eventually(async () => (await e.t.pool.query<{ external_id: string; status: string }>(`SELECT external_id, status FROM messages WHERE id = $1`, [sent.body.message.id])).rows.find((r) => r.status === "sent"));
    const dsn = rawMail([
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
      `To: ${MAILBOX}`,
      "Subject: Undelivered Mail Returned to Sender",
      "Message-ID: <dsn-1@mx.example.net>",
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain",
      "",
      "I'm sorry to have to inform you that your message could not be delivered.",
      "--b1",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.example.net",
      "",
      "Final-Recipient: rfc822; bounce-me@example.net",
      "Action: failed",
      "Status: 5.1.1",
      "Diagnostic-Code: smtp; 550 5.1.1 <bounce-me@example.net>: Recipient address rejected: User unknown",
      "--b1",
      "Content-Type: text/rfc822-headers",
      "",
      `From: ${MAILBOX}`,
      "To: bounce-me@example.net",
      `Message-ID: <${ours.external_id}>`,
      "Subject: Re: Please answer",
      "--b1--",
    ]);
    await e.dovecot.append("support", dsn);
    const bounce = await e.stored("dsn-1@mx.example.net");
    expect(bounce.conversation_id).toBe(inbound.conversation_id);
    expect(bounce.metadata.email.bounce).toMatchObject({ bouncedMessageId: sent.body.message.id, status: "5.1.1", recipient: "bounce-me@example.net" });
    const failed = await eventually(async () => (await e.t.pool.query<{ status: string; error_message: string }>(`SELECT status, error_message FROM messages WHERE id = $1`, [sent.body.message.id])).rows.find((r) => r.status === "failed"));
    expect(failed.error_message).toContain("User unknown");
    // A bounce never reopens or routes the thread.
    await waitForQueuesToDrain(e.t.sb.queues);
    expect((await conversationOf(inbound.conversation_id)).status).toBe("pending_customer");
  });
});

describe("HTML and inline images", () => {
  it("keeps sanitized HTML with its inline cid: image, served to agents in the sandboxed frame's document", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082", "hex");
    const { messageId } = await e.receive({
      from: "html@example.net",
      subject: "With a picture",
      html: `<p>Hello<br>see <b>below</b></p><table><tr><td>Order</td><td>1234</td></tr></table><img src="cid:logo@x"><script>alert(1)</script><img src="https://tracker.example.net/p.png">`,
      attachments: [{ filename: "logo.png", content: png, contentType: "image/png", cid: "logo@x" }],
    });
    const stored = await e.stored(messageId);
    expect(stored.metadata.email.hasHtml).toBe(true);
    const html = (await e.t.pool.query<{ html: string }>(`SELECT html FROM email_contents WHERE message_id = $1`, [stored.id])).rows[0]!.html;
    expect(html).toContain("<table>");
    expect(html).toContain('src="cid:logo@x"');
    expect(html).not.toContain("<script");
    expect(html).not.toMatch(/\ssrc="https:\/\/tracker/);
    expect(html).toContain('data-remote-src="https://tracker.example.net/p.png"');
    const doc = await fetch(`${e.t.url}/api/messages/${stored.id}/email-html`, { headers: { cookie } });
    expect(doc.status).toBe(200);
    const text = await doc.text();
    expect(text).toMatch(/src="[^"]*\/files\/[0-9a-f-]{36}\//);
  });
});
