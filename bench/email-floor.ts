// The email benchmark's floors, against the same Dovecot: a bare imapflow client doing what the product's
// IMAP watcher does per round (UID FETCH of the UID list, then of the sources in batches) and nothing else,
// and how soon Dovecot tells an idling connection of a new mail (the latency floor).
import { ImapFlow } from "imapflow";
import type { DovecotServer } from "../test/support/dovecot.ts";
import type { BenchMail } from "./email-workload.ts";
import { summarize, type Summary } from "./stats.ts";

export const MAIL_USER = { name: "support", password: "support-bench-pw" };
/** The floor's folder: the same mails, copied there once the app has stopped (the watcher watches INBOX only). */
export const FLOOR_FOLDER = "Floor";

export interface FloorRound {
  ms: number;
  rate: number;
  bytes: number;
}

export function imapClient(d: DovecotServer, user: { name: string; password: string }): ImapFlow {
  return new ImapFlow({ host: "127.0.0.1", port: d.port, secure: false, doSTARTTLS: false, auth: { user: user.name, pass: user.password }, logger: false, socketTimeout: 150_000 });
}

/** What the watcher does per round, bare: the UID list, then the sources in batches, nothing done with them. */
export async function floorFetch(d: DovecotServer, expected: number, batch: number): Promise<FloorRound> {
  const c = imapClient(d, MAIL_USER);
  c.on("error", () => {});
  await c.connect();
  try {
    await c.mailboxOpen(FLOOR_FOLDER);
    const t0 = performance.now();
    const uids: number[] = [];
    for await (const m of c.fetch("1:*", { uid: true, size: true }, { uid: true })) uids.push(m.uid);
    uids.sort((a, b) => a - b);
    let bytes = 0;
    let got = 0;
    for (let i = 0; i < uids.length; i += batch) {
      const fetched = await c.fetchAll(uids.slice(i, i + batch).join(","), { uid: true, source: true }, { uid: true });
      for (const m of fetched) {
        if (!m.source) throw new Error(`floor: no source for UID ${m.uid}`);
        bytes += m.source.length;
        got++;
      }
    }
    const ms = performance.now() - t0;
    if (got !== expected) throw new Error(`floor: fetched ${got} mails, expected ${expected}`);
    return { ms, rate: got / (ms / 1000), bytes };
  } finally {
    await c.logout().catch(() => {});
  }
}

/** The latency floor: how soon Dovecot tells an idling connection of a mail another connection appended. */
export async function idleNotifyLatency(d: DovecotServer, mails: BenchMail[]): Promise<Summary> {
  const watcher = new ImapFlow({
    host: "127.0.0.1", port: d.port, secure: false, doSTARTTLS: false, auth: { user: MAIL_USER.name, pass: MAIL_USER.password }, logger: false, disableAutoIdle: true, socketTimeout: 150_000,
  });
  const writer = imapClient(d, MAIL_USER);
  watcher.on("error", () => {});
  writer.on("error", () => {});
  const samples: number[] = [];
  try {
    await watcher.connect();
    await writer.connect();
    await watcher.mailboxOpen(FLOOR_FOLDER);
    for (const m of mails) {
      const heard = new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(Number.NaN), 5_000);
        watcher.once("exists", () => (clearTimeout(timer), resolve(performance.now())));
      });
      void watcher.idle().catch(() => {});
      await new Promise((r) => setTimeout(r, 50)); // IDLE is on before the append is sent
      const t0 = performance.now();
      await writer.append(FLOOR_FOLDER, m.raw);
      const t1 = await heard;
      if (Number.isFinite(t1)) samples.push(t1 - t0);
      await watcher.noop(); // ends this IDLE, as the watcher's fetch does
    }
  } finally {
    await writer.logout().catch(() => {});
    await watcher.logout().catch(() => {});
  }
  return summarize(samples);
}
