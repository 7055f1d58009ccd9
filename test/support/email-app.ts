// The product with a real mailbox: a Dovecot of the test's own for IMAP, an SMTP peer for what we send,
// and the first mailbox configured by IMAP_URL, SMTP_URL and MAIL_FROM, as an install would.
import type { Config } from "../../server/config.ts";
import type { StartOptions } from "../../server/switchboard.ts";
import { startDovecot, type DovecotServer } from "./dovecot.ts";
import { buildMail, type MailSpec } from "./mail-builder.ts";
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from "./smtp-peer.ts";
import { eventually, startTestApp, type TestApp } from "./test-app.ts";

export const MAILBOX = "support@acme.test";

export interface EmailApp {
  t: TestApp;
  dovecot: DovecotServer;
  smtp: SmtpPeer;
  mailboxId: string;
  /** Appends a mail to the mailbox's INBOX as a mail server delivering it would. */
  receive(spec: Partial<MailSpec> & { from: string }): Promise<{ messageId: string }>;
  /** The first mail the SMTP peer received that matches, once it has. */
  sent(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** The stored message with this Message-ID, once it is there. */
  stored(messageId: string, timeoutMs?: number): Promise<StoredEmail>;
  close(): Promise<void>;
}

export interface StoredEmail {
  id: string;
  conversation_id: string;
  customer_id: string;
  status: string;
  body: string;
  media: { url?: string; name?: string; contentType: string }[];
  metadata: { email: import("../../shared/email.ts").EmailDetails };
}

let counter = 0;

export async function startEmailApp(
  opts: { env?: Record<string, string>; start?: Partial<Omit<StartOptions, "config">>; configure?: (c: Config) => void; publicUrl?: string | "local" } = {},
): Promise<EmailApp> {
  const dovecot = await startDovecot({ users: [{ name: "support", password: "support-pw" }] });
  let smtp: SmtpPeer | null = null;
  let t: TestApp | null = null;
  let mailboxId: string;
  try {
    smtp = await startSmtpPeer();
    t = await startTestApp({
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      env: { IMAP_URL: dovecot.imapUrl("support"), SMTP_URL: smtp.url, MAIL_FROM: `Acme Support <${MAILBOX}>`, ...opts.env },
      start: { mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000, timeoutMs: 5000 }, refreshMs: 200 }, ...opts.start },
      ...(opts.configure ? { configure: opts.configure } : {}),
    });
    // Where this process runs the watchers, the mailbox is ready once it is connected.
    const watching = opts.start?.runWorkers ?? true;
    const pool = t.pool;
    mailboxId = await eventually(async () => {
      const { rows } = await pool.query<{ id: string }>(`SELECT id FROM mailboxes WHERE address = $1 AND ($2 OR health = 'connected')`, [MAILBOX, !watching]);
      return rows[0]?.id;
    }, { timeoutMs: 10_000 });
  } catch (err) {
    // A start that fails half-way leaves no Dovecot, SMTP peer or app behind (afterAll never sees them).
    await t?.close().catch(() => {});
    await smtp?.stop().catch(() => {});
    await dovecot.destroy();
    throw err;
  }
  const app = t;
  const peer = smtp;
  return {
    t: app,
    dovecot,
    smtp: peer,
    mailboxId,
    async receive(spec) {
      const messageId = spec.messageId ?? `customer-${Date.now()}-${++counter}@example.net`;
      const raw = await buildMail({ to: MAILBOX, subject: "Help with my order", text: "Hello, my order has not arrived.", ...spec, messageId });
      await dovecot.append("support", raw);
      return { messageId };
    },
    async sent(match, timeoutMs = 20_000) {
      return eventually(async () => peer.received.find(match), { timeoutMs });
    },
    async stored(messageId, timeoutMs = 20_000) {
      return eventually(async () => {
        const { rows } = await app.pool.query<StoredEmail>(
          `SELECT id, conversation_id, customer_id, status, body, media, metadata FROM messages WHERE channel = 'email' AND external_id = $1`,
          [messageId],
        );
        return rows[0];
      }, { timeoutMs });
    },
    async close() {
      await app.close();
      await peer.stop();
      await dovecot.destroy();
    },
  };
}
