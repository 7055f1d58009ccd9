// One mailbox's IMAP watcher: fetches every mail past the checkpoint by UID, hands each to `store` (which
// commits it and moves the checkpoint in one transaction), then waits with IDLE for the next. Any error
// (refused login, lost connection, a mail that cannot be stored) closes the connection and it starts over
// after a back-off, forever: it is never switched off by a failure, and starting over from the stored
// checkpoint is what makes a crash at any point neither lose nor double a mail.
import { ImapFlow } from "imapflow";

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  folder: string;
}

export interface Checkpoint {
  uidValidity: string | null;
  lastUid: number;
}

export interface FetchedMail {
  uid: number;
  uidValidity: string;
  raw: Buffer;
}

export type WatcherHealth = { state: "connecting" } | { state: "connected" } | { state: "failing"; reason: string };

export interface WatcherHooks<Prepared = unknown> {
  checkpoint(): Promise<Checkpoint>;
  /** The folder's UIDVALIDITY changed (or was never seen): start over from UID 1 under the new one. */
  resetCheckpoint(uidValidity: string): Promise<void>;
  /** Work on a mail that needs no database (parsing): run a few mails ahead of `store`. */
  prepare(mail: FetchedMail): Promise<Prepared>;
  /** Stores the mail and moves the checkpoint past it, in one transaction; throws when it could not. */
  store(mail: FetchedMail, prepared: Prepared): Promise<void>;
  health(health: WatcherHealth): Promise<void>;
}

export interface WatcherOptions {
  /** First and longest wait before reconnecting after an error. */
  backoffMs?: { min: number; max: number };
  /** A fresh look even without a notification (a missed EXISTS, a server without IDLE). */
  rescanMs?: number;
  /** Mails fetched per round trip, and bytes: a 25 MB mail is fetched alone. */
  batch?: { count: number; bytes: number };
  /** A mail larger than this is not fetched whole: its headers and a note stand for it, and it stays in the mailbox. */
  maxMessageBytes?: number;
  timeoutMs?: number;
  onError?(err: Error): void;
}

/** Mails prepared ahead of the one being stored: parsing (CPU) overlaps storing (waiting on Postgres). */
const PREPARE_AHEAD = 3;

export class ImapWatcher<Prepared = unknown> {
  private stopped = false;
  private client: ImapFlow | null = null;
  private wake: (() => void) | null = null;
  /** Set by every EXISTS: mail that arrives while a fetch runs is fetched next, not after the rescan. */
  private changed = false;
  private running: Promise<void> | null = null;
  private readonly opts: Required<Omit<WatcherOptions, "onError">> & Pick<WatcherOptions, "onError">;

  constructor(
    private readonly settings: ImapSettings,
    private readonly hooks: WatcherHooks<Prepared>,
    opts: WatcherOptions = {},
  ) {
    this.opts = {
      backoffMs: opts.backoffMs ?? { min: 1000, max: 60_000 },
      rescanMs: opts.rescanMs ?? 60_000,
      batch: opts.batch ?? { count: 50, bytes: 16 * 1024 * 1024 },
      maxMessageBytes: opts.maxMessageBytes ?? 50 * 1024 * 1024,
      timeoutMs: opts.timeoutMs ?? 30_000,
      onError: opts.onError,
    };
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.client?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const client = new ImapFlow({
        host: this.settings.host,
        port: this.settings.port,
        secure: this.settings.secure,
        auth: { user: this.settings.user, pass: this.settings.password },
        logger: false,
        // We idle ourselves, between fetches; imapflow's own timer would idle in the middle of our work.
        disableAutoIdle: true,
        connectionTimeout: this.opts.timeoutMs,
        greetingTimeout: this.opts.timeoutMs,
        socketTimeout: Math.max(this.opts.timeoutMs, this.opts.rescanMs + 60_000),
        maxIdleTime: this.opts.rescanMs,
      });
      this.client = client;
      let lastError: Error | null = null;
      // imapflow reports a broken connection as an "error" event too: heard, so it cannot crash the process.
      client.on("error", (err: Error) => (lastError = err));
      client.on("exists", () => {
        this.changed = true;
        this.wake?.();
      });
      try {
        await this.hooks.health({ state: "connecting" });
        await client.connect();
        await client.mailboxOpen(this.settings.folder);
        await this.hooks.health({ state: "connected" });
        while (!this.stopped && client.usable) {
          this.changed = false;
          await this.fetchNew(client);
          // Only a round that stored everything resets the back-off: a mail that cannot be stored waits longer each time.
          failures = 0;
          if (!this.changed) await this.waitForChange(client);
        }
        if (!this.stopped) throw lastError ?? new Error("The IMAP server closed the connection");
      } catch (err) {
        if (this.stopped) break;
        failures++;
        const reason = describe(err as Error);
        this.opts.onError?.(err as Error);
        await this.hooks.health({ state: "failing", reason }).catch(() => {}); // the database may be what failed
        await this.pause(backoff(failures, this.opts.backoffMs));
      } finally {
        client.close();
        this.client = null;
      }
    }
  }

  private async fetchNew(client: ImapFlow): Promise<void> {
    const box = client.mailbox;
    if (!box) throw new Error(`The folder ${this.settings.folder} is not open`);
    const uidValidity = String(box.uidValidity);
    let checkpoint = await this.hooks.checkpoint();
    if (checkpoint.uidValidity !== uidValidity) {
      await this.hooks.resetCheckpoint(uidValidity);
      checkpoint = { uidValidity, lastUid: 0 };
    }
    if (box.exists === 0) return;
    // "n:*" always includes the newest mail, even below n: only UIDs past the checkpoint count.
    const pending: { uid: number; size: number }[] = [];
    for await (const m of client.fetch(`${checkpoint.lastUid + 1}:*`, { uid: true, size: true }, { uid: true })) {
      if (m.uid > checkpoint.lastUid) pending.push({ uid: m.uid, size: m.size ?? 0 });
    }
    pending.sort((a, b) => a.uid - b.uid);
    for (const batch of batches(pending, this.opts.batch)) {
      if (this.stopped) return;
      // A mail over the limit is alone in its batch (batches are also cut by size): only its headers come.
      const oversize = batch.length === 1 && batch[0]!.size > this.opts.maxMessageBytes ? batch[0]! : null;
      const fetched = await client.fetchAll(batch.map((m) => m.uid).join(","), oversize ? { uid: true, headers: true } : { uid: true, source: true }, { uid: true });
      fetched.sort((a, b) => a.uid - b.uid);
      const mails = fetched.map((m) => {
        if (oversize) return { uid: m.uid, uidValidity, raw: headersOnly(m.headers, oversize.size, this.opts.maxMessageBytes) };
        if (!m.source) throw new Error(`The server sent no content for UID ${m.uid}`);
        return { uid: m.uid, uidValidity, raw: m.source };
      });
      const prepared: Promise<Prepared>[] = [];
      const prepareUpTo = (end: number) => {
        for (let j = prepared.length; j < Math.min(end, mails.length); j++) {
          const p = this.hooks.prepare(mails[j]!);
          p.catch(() => {}); // awaited in its turn below; a failure then stops the round
          prepared.push(p);
        }
      };
      // Stored in UID order, one at a time: the checkpoint only ever moves past mail that is stored.
      for (let i = 0; i < mails.length; i++) {
        if (this.stopped) return;
        prepareUpTo(i + 1 + PREPARE_AHEAD);
        await this.hooks.store(mails[i]!, await prepared[i]!);
      }
    }
  }

  /** Until the server announces a change (EXISTS wakes it), the connection ends, the rescan time passes, or stop(). */
  private waitForChange(client: ImapFlow): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off("close", done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.opts.rescanMs);
      client.on("close", done);
      this.wake = done;
      // IDLE ends by itself when the next command (our fetch) is sent.
      client.idle().catch(() => {});
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}

function* batches<T extends { size: number }>(items: T[], limit: { count: number; bytes: number }): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (batch.length && (batch.length >= limit.count || bytes + item.size > limit.bytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += item.size;
  }
  if (batch.length) yield batch;
}

/** What stands for a mail too large to fetch: its own headers (so it threads) and a plain-text note. */
function headersOnly(headers: Buffer | undefined, size: number, limit: number): Buffer {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const kept = (headers ?? Buffer.from("")).toString("latin1").replace(/^(content-type|content-transfer-encoding|mime-version):.*(\r?\n[ \t].*)*\r?\n/gim, "");
  const note = `This mail is ${mb(size)}, over the limit of ${mb(limit)}: Switchboard did not fetch it, and it is still in the mailbox.`;
  return Buffer.concat([Buffer.from(kept.replace(/(\r?\n)+$/, ""), "latin1"), Buffer.from(`\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${note}\r\n`)]);
}

/** Doubling from min to max, with a quarter of jitter so many watchers do not reconnect in step. */
function backoff(failures: number, range: { min: number; max: number }): number {
  const base = Math.min(range.max, range.min * 2 ** Math.min(failures - 1, 16));
  return Math.round(base * (0.75 + Math.random() * 0.25));
}

function describe(err: Error & { responseText?: string; authenticationFailed?: boolean; code?: string }): string {
  if (err.authenticationFailed) return `The IMAP server refused the login${err.responseText ? `: ${err.responseText}` : ""}`;
  const detail = err.responseText ?? err.message;
  return err.code && !detail.includes(err.code) ? `${err.code}: ${detail}` : detail;
}
