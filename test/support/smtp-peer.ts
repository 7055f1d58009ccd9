// The SMTP server our outbound mail reaches in tests (smtp-server, STACK.md "Email"): records what it
// accepted, and can refuse a recipient at RCPT (5xx permanent, 4xx temporary), fail DATA a number of
// times, or drop connections outright, so tests see each failure nodemailer reports.
import type { Socket } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  /** Top-level headers by lower-cased name, values raw (undecoded, unfolded); a repeated header keeps its first. */
  headers: Map<string, string>;
  parsed: ParsedMail;
}

export interface SmtpPeer {
  port: number;
  /** smtp://127.0.0.1:port */
  url: string;
  /** Every message accepted at DATA, in order. */
  received: ReceivedMail[];
  /** Resolves with received once it holds at least count messages; rejects after timeoutMs (5 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Refuses address at RCPT with code (5xx: permanent, 4xx: temporary) until clearRules(). */
  rejectRecipient(address: string, code: 550 | 451 | number, text?: string): void;
  /** The next `times` DATA commands (default 1) are answered with code after the message is read. */
  failData(code: number, text?: string, times?: number): void;
  /** While on, every new connection is closed before the greeting: a connection error for the client. */
  dropConnections(on: boolean): void;
  /** Removes recipient rejections, pending DATA failures and connection dropping. */
  clearRules(): void;
  stop(): Promise<void>;
}

interface Reply {
  code: number;
  text: string;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const rejectedRecipients = new Map<string, Reply>();
  let dataFailures: (Reply & { remaining: number }) | null = null;
  let dropping = false;
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      const rule = rejectedRecipients.get(address.address.toLowerCase());
      callback(rule ? smtpError(rule) : undefined);
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) return callback(smtpError({ code: 552, text: "5.3.4 Message too big" }));
          if (dataFailures && dataFailures.remaining > 0) {
            dataFailures.remaining -= 1;
            return callback(smtpError(dataFailures));
          }
          received.push(await receivedMail(raw, session));
          for (const wake of waiters) wake();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  server.on("error", (err) => {
    // Dropped connections surface here as socket errors; anything else is a harness fault worth seeing.
    if (!isSocketNoise(err)) console.error("smtp-peer:", err);
  });
  // Before smtp-server's own handler, so the socket closes before any greeting is written.
  const open = new Set<Socket>();
  server.server.prependListener("connection", (socket: Socket) => {
    if (dropping) return socket.destroy();
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.server.address() as { port: number }).port));
  });

  function waitFor(count: number, timeoutMs = 5_000): Promise<ReceivedMail[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (received.length < count) return;
        cleanup();
        resolve(received.slice());
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`smtp-peer: ${received.length} of ${count} messages after ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  let stopped: Promise<void> | null = null;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor,
    rejectRecipient(address, code, text) {
      rejectedRecipients.set(address.toLowerCase(), { code, text: text ?? defaultText(code) });
    },
    failData(code, text, times = 1) {
      dataFailures = { code, text: text ?? defaultText(code), remaining: times };
    },
    dropConnections(on) {
      dropping = on;
      // Connections a client keeps open (nodemailer's pool) are cut too, as a server going away does.
      if (on) for (const socket of open) socket.destroy();
    },
    clearRules() {
      rejectedRecipients.clear();
      dataFailures = null;
      dropping = false;
    },
    stop() {
      stopped ??= new Promise((resolve) => server.close(() => resolve()));
      return stopped;
    },
  };
}

function defaultText(code: number): string {
  if (code === 550) return "5.1.1 No such user";
  if (code >= 500) return "5.0.0 Permanent failure";
  return "4.3.0 Temporary failure, try again later";
}

function smtpError(reply: Reply): Error {
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

async function receivedMail(raw: Buffer, session: SMTPServerSession): Promise<ReceivedMail> {
  const parsed = await simpleParser(raw);
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    const name = key.toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " ").trim());
  }
  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
  return { envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, raw, headers, parsed };
}

function isSocketNoise(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}
