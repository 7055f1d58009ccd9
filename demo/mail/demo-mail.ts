// The demo's mail servers, both in this process on loopback: an IMAP server (hoodiecrow-imap, in memory)
// holding the business's mailbox, which Switchboard's watcher reads as it reads any IMAP server, and an SMTP
// server (smtp-server) that takes the business's outbound mail and delivers it to the customers' mail clients.
// A customer's mail reaches the business as a mail server would deliver it: appended to that INBOX.
import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import hoodiecrow from "hoodiecrow-imap";
import { simpleParser, type AddressObject } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { SMTPServer } from "smtp-server";

export interface MailItem {
  id: string;
  direction: "to_business" | "from_business";
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  /** Where a reply goes (the business's Reply-To carries its thread token). */
  replyTo: string | null;
  references: string[];
  at: string;
}

export interface DemoMail {
  imapUrl: string;
  smtpUrl: string;
  /** MAIL_FROM: the business's display name and address. */
  mailFrom: string;
  businessAddress: string;
  /** A customer's mail to the business (a reply when `inReplyTo` names a mail of the business). */
  send(mail: { from: string; subject: string; text: string; inReplyTo?: string }): Promise<MailItem>;
  /** What a customer's mail client shows: what they sent and what they received, oldest first. */
  mailbox(address: string): MailItem[];
  addresses(): string[];
  version(): number;
  close(): Promise<void>;
}

const addressesOf = (a: AddressObject | AddressObject[] | undefined) => [a ?? []].flat().flatMap((o) => o.value.map((v) => (v.address ?? "").toLowerCase())).filter(Boolean);

export async function startDemoMail(opts: { businessAddress: string; businessName: string }): Promise<DemoMail> {
  const business = opts.businessAddress.toLowerCase();
  const [businessUser, domain] = business.split("@") as [string, string];
  const password = randomBytes(12).toString("hex");
  const items: MailItem[] = [];
  let version = 0;
  const keep = (item: MailItem) => {
    items.push(item);
    version += 1;
    return item;
  };

  // A fresh UIDVALIDITY each start: the mailbox starts empty, so Switchboard's stored checkpoint must not apply.
  const imap = hoodiecrow({
    plugins: ["IDLE", "UIDPLUS", "ENABLE", "ID", "NAMESPACE", "LITERALPLUS", "UNSELECT"],
    users: { [businessUser]: { password } },
    storage: { INBOX: { messages: [], uidvalidity: Math.floor(Date.now() / 1000) }, "": { separator: "/", folders: {} } },
  });
  await new Promise<void>((resolve) => imap.listen(0, "127.0.0.1", resolve));
  const imapPort = (imap.server.address() as AddressInfo).port;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          keep({
            id: randomUUID(),
            direction: "from_business",
            from: addressesOf(mail.from)[0] ?? business,
            to,
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            messageId: mail.messageId ?? "",
            replyTo: addressesOf(mail.replyTo)[0] ?? null,
            references: [mail.references ?? []].flat(),
            at: new Date().toISOString(),
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  return {
    imapUrl: `imap://${businessUser}:${password}@127.0.0.1:${imapPort}/INBOX`,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    mailFrom: `${opts.businessName} <${business}>`,
    businessAddress: business,
    async send(mail) {
      const from = mail.from.toLowerCase();
      const original = mail.inReplyTo ? items.find((i) => i.messageId === mail.inReplyTo && i.to.includes(from)) : undefined;
      const to = original?.replyTo ?? business;
      const messageId = `<${randomUUID()}@${from.split("@")[1] ?? "customer.test"}>`;
      const references = original ? [...original.references, original.messageId] : [];
      const raw = await new MailComposer({
        from,
        to,
        subject: mail.subject,
        text: mail.text,
        messageId,
        date: new Date(),
        ...(original ? { inReplyTo: original.messageId, references } : {}),
      })
        .compile()
        .build();
      imap.appendMessage("INBOX", [], new Date(), raw.toString("utf8"));
      return keep({ id: randomUUID(), direction: "to_business", from, to: [to], subject: mail.subject, text: mail.text, messageId, replyTo: null, references, at: new Date().toISOString() });
    },
    mailbox: (address) => {
      const a = address.toLowerCase();
      return items.filter((i) => (i.direction === "to_business" ? i.from === a : i.to.includes(a)));
    },
    addresses: () => [...new Set(items.flatMap((i) => (i.direction === "to_business" ? [i.from] : i.to)))].filter((a) => !a.endsWith(`@${domain}`)),
    version: () => version,
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => imap.server.close(() => resolve()));
    },
  };
}
