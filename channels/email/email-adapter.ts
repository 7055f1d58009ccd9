// The email channel's sending side: one nodemailer SMTP transport per mailbox, built from its stored
// settings (rebuilt when they change), and SMTP answers classified for the outbox: 4xx and connection
// errors are tried again, 5xx ends the message `failed` with the server's words, a refused login holds
// the channel until it works again.
import nodemailer, { type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { ChannelSendError, type ChannelAdapter, type OutboundMessage, type SendResult } from "../channel.ts";

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
}

export interface SendingMailbox {
  id: string;
  address: string;
  displayName: string | null;
  smtp: SmtpSettings;
  /** Changes whenever the settings do: a cached transport older than this is rebuilt. */
  version: string;
}

export interface EmailAdapterOptions {
  /** The mailbox's current settings with its password opened; null when it no longer exists. */
  mailbox(id: string): Promise<SendingMailbox | null>;
  /** Past this an SMTP conversation's outcome is unknown. */
  timeoutMs: number;
}

export interface EmailAdapter extends ChannelAdapter {
  close(): void;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

export function createEmailAdapter(opts: EmailAdapterOptions): EmailAdapter {
  const transports = new Map<string, { version: string; transport: Transporter<SMTPTransport.SentMessageInfo> }>();

  function transportFor(mailbox: SendingMailbox) {
    const cached = transports.get(mailbox.id);
    if (cached?.version === mailbox.version) return cached.transport;
    cached?.transport.close();
    const transport = nodemailer.createTransport({
      host: mailbox.smtp.host,
      port: mailbox.smtp.port,
      secure: mailbox.smtp.secure,
      ...(mailbox.smtp.user ? { auth: { user: mailbox.smtp.user, pass: mailbox.smtp.password ?? "" } } : {}),
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      // A pool keeps connections open between replies; a busy mailbox then pays one handshake, not one per mail.
      pool: true,
      maxConnections: 3,
    });
    transports.set(mailbox.id, { version: mailbox.version, transport });
    return transport;
  }

  return {
    channel: "email",
    async send(message: OutboundMessage): Promise<SendResult> {
      const email = message.email;
      if (!email) throw new ChannelSendError("An email without its mailbox and headers cannot be sent", "permanent", null);
      let mailbox: SendingMailbox | null;
      try {
        mailbox = await opts.mailbox(email.mailboxId);
      } catch (err) {
        // Its stored password cannot be opened (ENCRYPTION_KEY changed): no mail of it can go out until an admin re-enters it.
        throw new ChannelSendError(`The mailbox's SMTP settings cannot be read: ${(err as Error).message}`, "auth", null);
      }
      if (!mailbox) throw new ChannelSendError("The mailbox this thread belongs to was removed", "permanent", null);
      const headers: Record<string, string> = {};
      // RFC 3834: what we send by ourselves says so, so that other systems' auto-replies do not answer it.
      if (email.automatic) {
        headers["Auto-Submitted"] = "auto-replied";
        headers["X-Auto-Response-Suppress"] = "All";
      }
      let info: SMTPTransport.SentMessageInfo;
      try {
        info = await transportFor(mailbox).sendMail({
          from: mailbox.displayName ? { name: mailbox.displayName, address: mailbox.address } : mailbox.address,
          to: message.to,
          ...(email.cc.length ? { cc: email.cc } : {}),
          replyTo: email.replyTo,
          subject: email.subject,
          text: message.body,
          messageId: `<${email.messageId}>`,
          ...(email.inReplyTo ? { inReplyTo: `<${email.inReplyTo}>` } : {}),
          ...(email.references.length ? { references: email.references.map((r) => `<${r}>`) } : {}),
          headers,
        });
      } catch (err) {
        throw classifySmtpError(err as SmtpError);
      }
      const rejected = (info.rejected ?? []).map((r) => (typeof r === "string" ? r : (r as { address: string }).address));
      return { externalId: email.messageId, status: "sent", ...(rejected.length ? { rejectedRecipients: rejected } : {}) };
    },
    close() {
      for (const { transport } of transports.values()) transport.close();
      transports.clear();
    },
  };
}

/** What an SMTP failure means for the outbox (see ChannelSendError). */
export function classifySmtpError(err: SmtpError): ChannelSendError {
  const code = err.responseCode;
  const text = (err.response ?? err.message).trim();
  if (code === 535 || code === 534 || err.code === "EAUTH") {
    return new ChannelSendError(`The SMTP server refused our login: ${text}`, "auth", code ? String(code) : "EAUTH");
  }
  if (code && code >= 500) return new ChannelSendError(text, "permanent", String(code));
  if (code && code >= 400) return new ChannelSendError(text, "transient", String(code));
  // No SMTP answer: refused or unresolvable, the server never saw the message; any other lost connection
  // (nodemailer tags every socket error "CONN", before or after DATA) may have been accepted. SMTP has no
  // lookup, so the outbox resends it with the same Message-ID, which receiving mail systems dedupe by.
  const neverReached = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(err.message) || err.code === "EDNS";
  const outcome = neverReached ? "not_sent" : "unknown";
  return new ChannelSendError(`SMTP: ${text}`, "transient", err.code ?? null, outcome);
}
