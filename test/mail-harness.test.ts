// Proves the email test harness itself: a real Dovecot (IMAP, IDLE, delivery during an outage,
// UIDVALIDITY changes) and the SMTP peer (accepts, refuses at RCPT and DATA, drops connections).
import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startDovecot, type DovecotServer } from "./support/dovecot.ts";
import { buildMail, rawMail } from "./support/mail-builder.ts";
import { startSmtpPeer, type SmtpPeer } from "./support/smtp-peer.ts";

describe("Dovecot harness", () => {
  let dovecot: DovecotServer;
  const clients: ImapFlow[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot({
      users: ["fetch", "idle", "outage", "validity"].map((name) => ({ name, password: `${name}-pw` })),
    });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await dovecot?.destroy();
  });

  async function imapClient(user: string): Promise<ImapFlow> {
    const url = new URL(dovecot.imapUrl(user));
    const client = new ImapFlow({
      host: url.hostname,
      port: Number(url.port),
      secure: false,
      doSTARTTLS: false,
      auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
      logger: false,
    });
    clients.push(client);
    await client.connect();
    return client;
  }

  it("appends a message and fetches it back by UID", async () => {
    const raw = await buildMail({
      from: "Customer <customer@example.test>",
      to: "fetch@support.test",
      subject: "Where is my order?",
      text: "Order 1234 has not arrived.",
      messageId: "<fetch-1@example.test>",
      attachments: [{ filename: "receipt.txt", content: "paid", contentType: "text/plain" }],
    });
    const { uid, uidValidity } = await dovecot.append("fetch", raw, ["\\Seen"]);
    expect(uid).toBe(1);
    expect(typeof uidValidity).toBe("bigint");

    const client = await imapClient("fetch");
    const lock = await client.getMailboxLock("INBOX");
    try {
      const message = await client.fetchOne(String(uid), { source: true, envelope: true, flags: true }, { uid: true });
      expect(message && message.envelope?.messageId).toBe("<fetch-1@example.test>");
      expect(message && [...(message.flags ?? [])]).toContain("\\Seen");
      const parsed = await simpleParser(message ? message.source! : Buffer.alloc(0));
      expect(parsed.subject).toBe("Where is my order?");
      expect(parsed.attachments.map((a) => a.filename)).toEqual(["receipt.txt"]);
    } finally {
      lock.release();
    }
  });

  it("raises exists on an idling client for an append from another connection and for a delivery", async () => {
    const client = await imapClient("idle");
    const lock = await client.getMailboxLock("INBOX");
    try {
      const counts: number[] = [];
      const existsCount = (n: number) =>
        new Promise<void>((resolve) => {
          const onExists = (data: { count: number }) => {
            counts.push(data.count);
            if (data.count >= n) {
              client.off("exists", onExists);
              resolve();
            }
          };
          client.on("exists", onExists);
        });
      // IDLE does not start by itself while the lock is held (STACK.md): start it, without awaiting.
      void client.idle();
      const first = existsCount(1);
      await dovecot.append("idle", rawMail(["Subject: one", "Message-ID: <idle-1@example.test>", "", "one"]));
      await first;
      const second = existsCount(2);
      await dovecot.deliver("idle", rawMail(["Subject: two", "Message-ID: <idle-2@example.test>", "", "two"]));
      await second;
      expect(counts.at(-1)).toBe(2);
    } finally {
      lock.release();
    }
  });

  it("keeps mail delivered while stopped, on the same port, and UIDs continue from the checkpoint", async () => {
    const before = await dovecot.append("outage", rawMail(["Subject: before", "Message-ID: <outage-1@example.test>", "", "x"]));
    await dovecot.stop();
    const refused = new ImapFlow({ host: "127.0.0.1", port: dovecot.port, secure: false, logger: false, auth: { user: "outage", pass: "outage-pw" } });
    await expect(refused.connect()).rejects.toMatchObject({ code: "ECONNREFUSED" });

    await dovecot.deliver("outage", rawMail(["Subject: during", "Message-ID: <outage-2@example.test>", "", "y"]));
    await dovecot.start();

    const client = await imapClient("outage");
    const lock = await client.getMailboxLock("INBOX");
    try {
      const mailbox = client.mailbox;
      expect(mailbox && mailbox.uidValidity).toBe(before.uidValidity);
      const since: { uid: number; messageId?: string }[] = [];
      for await (const m of client.fetch({ uid: `${before.uid + 1}:*` }, { envelope: true }, { uid: true })) {
        since.push({ uid: m.uid, messageId: m.envelope?.messageId });
      }
      expect(since).toEqual([{ uid: before.uid + 1, messageId: "<outage-2@example.test>" }]);
    } finally {
      lock.release();
    }
  });

  it("setUidValidity changes the UIDVALIDITY imapflow reports", async () => {
    const first = await dovecot.append("validity", rawMail(["Subject: v", "", "v"]));
    expect(first.uidValidity).not.toBe(4242n);
    await dovecot.setUidValidity("validity", 4242);

    const client = await imapClient("validity");
    const mailbox = await client.mailboxOpen("INBOX");
    expect(mailbox.uidValidity).toBe(4242n);
    const second = await dovecot.append("validity", rawMail(["Subject: w", "", "w"]));
    expect(second.uidValidity).toBe(4242n);
  });
});

describe("SMTP peer harness", () => {
  let peer: SmtpPeer;
  const transport = () => nodemailer.createTransport(peer.url);

  beforeAll(async () => {
    peer = await startSmtpPeer();
  });
  afterEach(() => {
    peer.clearRules();
  });
  afterAll(async () => {
    await peer?.stop();
  });

  it("receives a nodemailer message with its envelope and headers", async () => {
    const start = peer.received.length;
    await transport().sendMail({
      from: "support@switchboard.test",
      to: "customer@example.test",
      subject: "Re: Where is my order?",
      text: "It ships today.",
      messageId: "<reply-1@switchboard.test>",
      inReplyTo: "<fetch-1@example.test>",
      references: ["<fetch-1@example.test>"],
      headers: { "X-Switchboard-Conversation": "conv-42" },
    });
    const [mail] = (await peer.waitFor(start + 1)).slice(start);
    expect(mail!.envelope).toEqual({ from: "support@switchboard.test", to: ["customer@example.test"] });
    expect(mail!.headers.get("message-id")).toBe("<reply-1@switchboard.test>");
    expect(mail!.headers.get("in-reply-to")).toBe("<fetch-1@example.test>");
    expect(mail!.headers.get("x-switchboard-conversation")).toBe("conv-42");
    expect(mail!.parsed.text?.trim()).toBe("It ships today.");
  });

  it("a 550 at RCPT is permanent: the only recipient throws, one of two lands in info.rejected", async () => {
    peer.rejectRecipient("gone@example.test", 550);
    await expect(
      transport().sendMail({ from: "support@switchboard.test", to: "gone@example.test", subject: "x", text: "x" }),
    ).rejects.toMatchObject({ responseCode: 550, code: "EENVELOPE" });

    const start = peer.received.length;
    const info = await transport().sendMail({
      from: "support@switchboard.test",
      to: ["gone@example.test", "here@example.test"],
      subject: "x",
      text: "x",
    });
    expect(info.rejected).toEqual(["gone@example.test"]);
    expect(info.accepted).toEqual(["here@example.test"]);
    const [mail] = (await peer.waitFor(start + 1)).slice(start);
    expect(mail!.envelope.to).toEqual(["here@example.test"]);
  });

  it("a 451 at DATA fails once, then the retry is accepted", async () => {
    peer.failData(451);
    const start = peer.received.length;
    const message = { from: "support@switchboard.test", to: "customer@example.test", subject: "retry", text: "x" };
    await expect(transport().sendMail(message)).rejects.toMatchObject({ responseCode: 451, code: "EMESSAGE" });
    expect(peer.received.length).toBe(start);
    await transport().sendMail(message);
    expect((await peer.waitFor(start + 1)).length).toBe(start + 1);
  });

  it("dropConnections gives nodemailer a connection error until turned off", async () => {
    peer.dropConnections(true);
    const message = { from: "support@switchboard.test", to: "customer@example.test", subject: "drop", text: "x" };
    await expect(transport().sendMail(message)).rejects.toMatchObject({ code: "ECONNECTION" });
    peer.dropConnections(false);
    await expect(transport().sendMail(message)).resolves.toMatchObject({ accepted: ["customer@example.test"] });
  });
});

describe("mail builder", () => {
  it("keeps the given Message-ID and threading headers, and inlines a cid attachment", async () => {
    const raw = await buildMail({
      from: "customer@example.test",
      to: ["support@switchboard.test"],
      subject: "Re: logo",
      html: '<p>See <img src="cid:logo@example.test"></p>',
      messageId: "<built-1@example.test>",
      inReplyTo: "<reply-1@switchboard.test>",
      references: ["<fetch-1@example.test>", "<reply-1@switchboard.test>"],
      headers: { "X-Mailer": "harness" },
      attachments: [{ filename: "logo.png", content: Buffer.from([0x89, 0x50, 0x4e, 0x47]), contentType: "image/png", cid: "logo@example.test" }],
      date: new Date("2030-01-02T03:04:05Z"),
    });
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe("<built-1@example.test>");
    expect(parsed.inReplyTo).toBe("<reply-1@switchboard.test>");
    expect(parsed.references).toEqual(["<fetch-1@example.test>", "<reply-1@switchboard.test>"]);
    expect(parsed.headers.get("x-mailer")).toBe("harness");
    expect(parsed.date?.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(parsed.attachments.map((a) => [a.cid, a.related])).toEqual([["logo@example.test", true]]);
  });

  it("rawMail joins hand-written lines with CRLF and changes nothing else", () => {
    const raw = rawMail(["Subject: broken", "Content-Type: multipart/mixed; boundary=none", "", "no parts"]);
    expect(raw.toString("utf8")).toBe("Subject: broken\r\nContent-Type: multipart/mixed; boundary=none\r\n\r\nno parts\r\n");
  });
});
