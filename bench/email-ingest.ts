// Benchmark: mail appended to a Dovecot of the benchmark's own, fetched by the product's IMAP watcher (in the
// app child, product defaults), parsed, stored into conversations (a third are replies that join a thread),
// and announced on a supervisor's /agent socket (`message:new`). Beside it, in the same run: the floor, a bare
// imapflow client fetching the same mails (UID FETCH of the source, the watcher's batch) from a second user.
// See bench/run.ts for how it is started and BENCHMARKS.md for the figures.
import os from "node:os";
import type { ImapFlow } from "imapflow";
import pg from "pg";
import type { Socket } from "socket.io-client";
import { parseMail } from "../channels/email/parse-mail.ts";
import { loadConfig } from "../server/config.ts";
import type { AgentClientToServer, AgentServerToClient } from "../shared/events.ts";
import { startDovecot, type DovecotServer } from "../test/support/dovecot.ts";
import { createQueue } from "../test/support/factories.ts";
import { startSmtpPeer, type SmtpPeer } from "../test/support/smtp-peer.ts";
import { FLOOR_FOLDER, MAIL_USER, floorFetch, idleNotifyLatency, imapClient, type FloorRound } from "./email-floor.ts";
import { BENCH_MAILBOX, buildWorkload, markerNumber, type BenchMail } from "./email-workload.ts";
import { supervisorSocket, type AppChild } from "./harness.ts";
import { cpuSecondsByComm, cpuSecondsOfPid, startCpuProbe, type CpuShare } from "./machine.ts";
import type { ChildReady, ProfileReport, WindowStats } from "./protocol.ts";
import { summarize, type Summary } from "./stats.ts";

/** A gap this long between two arrivals is the watcher idle while mail waits, not work. */
const STALL_MS = 5_000;
/** Dovecot's processes by command name, for its CPU share. */
const DOVECOT_COMMS = ["dovecot", "imap", "imap-login", "auth", "anvil", "log", "config", "stats"];

export interface EmailIngestOptions {
  mails: number;
  warmupMails: number;
  /** Mails of one more round with every SQL statement timed and a CPU profile (not in the figures); 0 = none. */
  profileMails: number;
  senders: number;
  /** The watcher's default batch (channels/email/imap-watcher.ts): the floor fetches in the same. */
  batch: number;
  floorRepeats: number;
  /** The profile round's appends per second (paced, so the watcher keeps up and timings are service times). */
  profileRate: number;
  /** Waiting for the socket: give up after this long without a new arrival, or this long in all. */
  drainQuietMs: number;
  drainMaxMs: number;
  log: (line: string) => void;
}

export const DEFAULT_EMAIL_OPTIONS: Omit<EmailIngestOptions, "log"> = {
  mails: 1000,
  warmupMails: 20,
  profileMails: 150,
  senders: 250,
  batch: 50,
  floorRepeats: 5,
  // Longer than the watcher's 60 s rescan: mail left waiting for it (see BENCHMARKS.md) is seen and its wait measured.
  drainQuietMs: 65_000,
  drainMaxMs: 100_000,
  profileRate: 25,
};

export interface MailServers {
  dovecot: DovecotServer;
  smtp: SmtpPeer;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The benchmark's Dovecot (the product's mailbox and the floor's user) and an SMTP peer, so SMTP_URL is real. */
export async function startMailServers(): Promise<MailServers> {
  const dovecot = await startDovecot({ users: [MAIL_USER] });
  const smtp = await startSmtpPeer().catch(async (err) => {
    await dovecot.destroy();
    throw err;
  });
  return {
    dovecot,
    smtp,
    env: { BENCH_APP_IMAP_URL: dovecot.imapUrl(MAIL_USER.name), BENCH_APP_SMTP_URL: smtp.url, BENCH_APP_MAIL_FROM: `Acme Support <${BENCH_MAILBOX}>` },
    async stop() {
      await smtp.stop().catch(() => {});
      await dovecot.destroy();
    },
  };
}

export interface IngestRound {
  mails: number;
  /** First APPEND sent → last APPEND answered, on one imapflow connection, one mail after the other. */
  appendMs: number;
  appendRate: number;
  /** First APPEND sent → last `message:new`. */
  wallMs: number;
  rate: number;
  /** APPEND sent → `message:new`, per mail. */
  latency: Summary;
  arrived: number;
  duplicatesOnSocket: number;
  /** The longest time between two consecutive arrivals, and how many mails came after it. */
  longestGapMs: number;
  afterLongestGap: number;
  /** Gaps between consecutive arrivals longer than STALL_MS (the watcher idle while mail waits): count and total. */
  stalls: number;
  stalledMs: number;
  /** mails / (wall − stalled): the rate while the watcher was working. */
  rateWhileWorking: number;
  app: WindowStats | null;
  cpu: CpuShare | null;
  dovecotPct: number;
}

export interface Verification {
  rows: number;
  distinct: number;
  /** First mails that opened a conversation of their own. */
  opened: number;
  firstMails: number;
  /** Replies stored in their parent's conversation, matched by In-Reply-To. */
  joined: number;
  replies: number;
}

export interface EmailIngestResult {
  options: Omit<EmailIngestOptions, "log">;
  app: ChildReady;
  meanMailBytes: number;
  warmup: IngestRound;
  ingest: IngestRound;
  verification: Verification;
  floor: { rounds: FloorRound[]; median: FloorRound };
  /** APPEND sent on one connection → `exists` on another idling in the folder: Dovecot's own notification delay. */
  idleNotify: Summary;
  /** The product's parseMail over the same mails, in one process, no IMAP, no database. */
  parseOnly: { ms: number; rate: number; perMailMs: number };
  profile: { round: IngestRound; report: ProfileReport } | null;
  unknownSocketArrivals: number;
  socketDisconnects: number;
  cores: number;
}

function median<T>(values: T[], key: (v: T) => number): T {
  return [...values].sort((a, b) => key(a) - key(b))[Math.floor(values.length / 2)]!;
}

const dovecotSeconds = () => {
  const by = cpuSecondsByComm();
  return DOVECOT_COMMS.reduce((a, c) => a + (by.get(c) ?? 0), 0);
};

export async function runEmailIngest(child: AppChild, databaseUrl: string, servers: MailServers, options: EmailIngestOptions): Promise<EmailIngestResult> {
  const { log } = options;
  const app = child.ready;
  const tag = `BM${Math.random().toString(36).slice(2, 6)}`;
  const checkPool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: "sb-bench-check" });
  checkPool.on("error", () => {});
  const arrivals = new Map<number, { t: number; count: number }>();
  let unknownSocketArrivals = 0;
  let socketDisconnects = 0;
  let closingSocket = false;
  let socket: Socket<AgentServerToClient, AgentClientToServer> | null = null;
  let appender: ImapFlow | null = null;

  try {
    log(`building ${options.warmupMails} + ${options.mails} + ${options.profileMails} mails (text + HTML, a third replies)`);
    const warmupMails = await buildWorkload({ tag, count: options.warmupMails, senders: options.senders, seed: 7 });
    const mails = await buildWorkload({ tag, count: options.mails, senders: options.senders, seed: 20261201, firstN: options.warmupMails });
    const profileMails = await buildWorkload({ tag, count: options.profileMails, senders: options.senders, seed: 99, firstN: options.warmupMails + options.mails });
    const meanMailBytes = mails.reduce((a, m) => a + m.raw.length, 0) / mails.length;

    // ----- one queue, a supervisor on the agent socket, the mailbox connected -----
    await createQueue(checkPool, { name: "Support" });
    const s = await supervisorSocket(app, checkPool);
    socket = s;
    s.on("disconnect", () => void (closingSocket || socketDisconnects++));
    s.on("message:new", (m) => {
      const now = performance.now();
      const n = m.channel === "email" && m.direction === "inbound" ? markerNumber(tag, m.email?.subject) : null;
      if (n === null) return void unknownSocketArrivals++;
      const seen = arrivals.get(n);
      if (seen) seen.count++;
      else arrivals.set(n, { t: now, count: 1 });
    });
    await waitFor(async () => {
      const { rows } = await checkPool.query<{ health: string }>(`SELECT health FROM mailboxes WHERE address = $1`, [BENCH_MAILBOX]);
      return rows[0]?.health === "connected";
    }, 20_000, "the mailbox from IMAP_URL to be connected");

    appender = imapClient(servers.dovecot, MAIL_USER);
    appender.on("error", () => {});
    await appender.connect();
    const toSupport = appender;

    const uids = new Map<number, number>();
    const round = async (
      name: string,
      list: BenchMail[],
      measure: boolean,
      drain = { quietMs: options.drainQuietMs, maxMs: options.drainMaxMs },
      pacePerSecond = 0,
    ): Promise<IngestRound> => {
      const appended = new Map<number, number>();
      const backends = measure ? await benchBackends(checkPool) : [];
      if (measure) await child.windowStart();
      const probe = measure ? startCpuProbe(child.pid, backends) : null;
      const dove0 = dovecotSeconds();
      const start = performance.now();
      let lastAck = start;
      for (const [i, m] of list.entries()) {
        if (pacePerSecond > 0) {
          const due = start + (i * 1000) / pacePerSecond;
          if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        }
        appended.set(m.n, performance.now());
        const res = await toSupport.append("INBOX", m.raw);
        if (res && res.uid !== undefined) uids.set(m.n, res.uid);
        lastAck = performance.now();
      }
      // Until every mail is on the socket, or nothing new came for quietMs (maxMs after the first append at most).
      let seen = -1;
      let progress = performance.now();
      for (;;) {
        const got = list.reduce((a, m) => a + (arrivals.has(m.n) ? 1 : 0), 0);
        if (got === list.length) break;
        if (got !== seen) [seen, progress] = [got, performance.now()];
        if (performance.now() - progress > drain.quietMs || performance.now() - start > drain.maxMs) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const cpu = probe ? probe.stop(await benchBackends(checkPool)) : null;
      const appStats = measure ? await child.windowEnd() : null;
      const wallDovecot = performance.now() - start;
      const dovecotPct = (100 * (dovecotSeconds() - dove0) * 1000) / wallDovecot;
      const times = list.map((m) => arrivals.get(m.n)?.t).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
      let longestGapMs = 0;
      let afterLongestGap = 0;
      for (let i = 1; i < times.length; i++) {
        if (times[i]! - times[i - 1]! > longestGapMs) [longestGapMs, afterLongestGap] = [times[i]! - times[i - 1]!, times.length - i];
      }
      const last = times[times.length - 1] ?? Number.NaN;
      let stalls = 0;
      let stalledMs = 0;
      const first = times[0] ?? start;
      // A stall before the first arrival counts too (from the first append).
      for (const [a, b] of [[start, first] as const, ...times.slice(1).map((t, i) => [times[i]!, t] as const)]) {
        if (b - a > STALL_MS) [stalls, stalledMs] = [stalls + 1, stalledMs + b - a];
      }
      const r: IngestRound = {
        mails: list.length,
        appendMs: lastAck - start,
        appendRate: list.length / ((lastAck - start) / 1000),
        wallMs: last - start,
        rate: times.length === list.length ? list.length / ((last - start) / 1000) : Number.NaN,
        latency: summarize(list.flatMap((m) => (arrivals.has(m.n) ? [arrivals.get(m.n)!.t - appended.get(m.n)!] : []))),
        arrived: times.length,
        duplicatesOnSocket: list.reduce((a, m) => a + Math.max(0, (arrivals.get(m.n)?.count ?? 0) - 1), 0),
        longestGapMs,
        afterLongestGap,
        stalls,
        stalledMs,
        rateWhileWorking: times.length === list.length ? list.length / ((last - start - stalledMs) / 1000) : Number.NaN,
        app: appStats,
        cpu,
        dovecotPct,
      };
      log(
        `  ${name.padEnd(8)} ${r.arrived}/${r.mails} on the socket in ${(r.wallMs / 1000).toFixed(1)} s: ${r.rate.toFixed(0)} mails/s ` +
          `(appends ${r.appendRate.toFixed(0)}/s); append → socket p50/p99 ${r.latency.p50.toFixed(0)}/${r.latency.p99.toFixed(0)} ms; ` +
          `longest gap ${r.longestGapMs.toFixed(0)} ms (${r.stalls} stalls > ${STALL_MS / 1000} s: ${(r.stalledMs / 1000).toFixed(1)} s; ${r.rateWhileWorking.toFixed(0)} mails/s without them)${cpu ? `; app CPU ${cpu.appPct.toFixed(0)}%, pg ${cpu.postgresPct.toFixed(0)}%, dovecot ${dovecotPct.toFixed(0)}%, machine ${cpu.machineBusyPct.toFixed(0)}%` : ""}`,
      );
      return r;
    };

    log(`warm-up: ${warmupMails.length} mails (not counted)`);
    const warmup = await round("warm-up", warmupMails, false, { quietMs: 20_000, maxMs: 30_000 });

    log(`ingest: ${mails.length} mails appended one after the other on one IMAP connection, as fast as it goes`);
    const ingest = await round("ingest", mails, true);
    const verification = await verify(checkPool, mails);
    log(`  stored ${verification.rows} rows (${verification.distinct} distinct); ${verification.opened}/${verification.firstMails} first mails opened a conversation, ${verification.joined}/${verification.replies} replies joined their parent's`);

    let profile: EmailIngestResult["profile"] = null;
    if (options.profileMails > 0) {
      // The in-process router is still working through the ingest's new conversations: its statements are not the profile's.
      const settled = await appQuiet(child.pid, 10, 20_000);
      log(`app ${settled.quiet ? "quiet" : "still busy"} (${settled.pct.toFixed(0)}% of a core) after ${(settled.waitedMs / 1000).toFixed(1)} s`);
      log(`profile: ${profileMails.length} more mails with every SQL statement timed and a CPU profile (not part of the figures)`);
      await child.profileOn();
      const r = await round("profile", profileMails, true, { quietMs: 5_000, maxMs: (1000 * profileMails.length) / options.profileRate + 8_000 }, options.profileRate);
      const report = await child.profileOff();
      report.messages = r.arrived;
      profile = { round: r, report };
    }

    closingSocket = true;
    s.disconnect();
    socket = null;
    // The floor gets the machine the app had.
    await child.stop();
    // The same mails, byte for byte, into a folder of their own (COPY: Dovecot hard-links the maildir files).
    const mainUids = mails.map((m) => uids.get(m.n));
    if (mainUids.some((u) => u === undefined)) throw new Error("an APPEND gave no UID (APPENDUID)");
    await toSupport.mailboxCreate(FLOOR_FOLDER).catch(() => {});
    await toSupport.mailboxOpen("INBOX");
    await toSupport.messageCopy(mainUids.join(","), FLOOR_FOLDER, { uid: true });
    await toSupport.logout().catch(() => {});
    appender = null;

    log(`floor: a bare imapflow client fetching the ${mails.length} mails (UID FETCH source, batches of ${options.batch}) from folder ${FLOOR_FOLDER}, ${options.floorRepeats} times`);
    const rounds: FloorRound[] = [];
    for (let i = 0; i < options.floorRepeats; i++) rounds.push(await floorFetch(servers.dovecot, mails.length, options.batch));
    const floorMedian = median(rounds, (r) => r.rate);
    log(`  floor ${rounds.map((r) => r.rate.toFixed(0)).join(", ")} mails/s (median ${floorMedian.rate.toFixed(0)})`);

    const idleNotify = await idleNotifyLatency(servers.dovecot, warmupMails);
    log(`  APPEND → exists on an idling connection p50/p99 ${idleNotify.p50.toFixed(0)}/${idleNotify.p99.toFixed(0)} ms (${idleNotify.count} mails)`);

    const limits = loadConfig({ DATABASE_URL: databaseUrl, SESSION_SECRET: "x".repeat(32), PUBLIC_URL: app.publicUrl }).email.limits;
    const p0 = performance.now();
    for (const m of mails) await parseMail(m.raw, limits);
    const parseMs = performance.now() - p0;
    const parseOnly = { ms: parseMs, rate: mails.length / (parseMs / 1000), perMailMs: parseMs / mails.length };
    log(`  parseMail alone: ${parseOnly.perMailMs.toFixed(2)} ms per mail (${parseOnly.rate.toFixed(0)} mails/s in one process)`);

    return {
      options: withoutLog(options),
      app,
      meanMailBytes,
      warmup,
      ingest,
      verification,
      floor: { rounds, median: floorMedian },
      parseOnly,
      idleNotify,
      profile,
      unknownSocketArrivals,
      socketDisconnects,
      cores: os.availableParallelism(),
    };
  } finally {
    socket?.disconnect();
    await appender?.logout().catch(() => {});
    await checkPool.end();
  }
}

/** Waits (bounded) until the app process uses less than pct% of a core over half a second. */
async function appQuiet(pid: number, pct: number, maxWaitMs: number): Promise<{ quiet: boolean; pct: number; waitedMs: number }> {
  const t0 = performance.now();
  for (;;) {
    const a = cpuSecondsOfPid(pid);
    await new Promise((r) => setTimeout(r, 500));
    const used = ((cpuSecondsOfPid(pid) - a) / 0.5) * 100;
    const waitedMs = performance.now() - t0;
    if (used < pct || waitedMs > maxWaitMs || !Number.isFinite(used)) return { quiet: used < pct, pct: used, waitedMs };
  }
}

async function verify(pool: pg.Pool, mails: BenchMail[]): Promise<Verification> {
  const { rows } = await pool.query<{ external_id: string; conversation_id: string; by: string | null; n: number }>(
    `SELECT external_id, min(conversation_id::text) AS conversation_id, min(metadata->'email'->'thread'->>'by') AS by, count(*)::int AS n
       FROM messages WHERE channel = 'email' AND direction = 'inbound' AND external_id = ANY($1::text[]) GROUP BY external_id`,
    [mails.map((m) => m.messageId)],
  );
  const byId = new Map(rows.map((r) => [r.external_id, r]));
  let opened = 0;
  let joined = 0;
  const conversationOpeners = new Set<string>();
  for (const m of mails) {
    const row = byId.get(m.messageId);
    if (!row) continue;
    if (m.parent === null) {
      if (row.by === "new" && !conversationOpeners.has(row.conversation_id)) opened++;
      conversationOpeners.add(row.conversation_id);
    } else {
      const parent = byId.get(mails[m.parent]!.messageId);
      if (parent && parent.conversation_id === row.conversation_id && row.by === "in_reply_to") joined++;
    }
  }
  return {
    rows: rows.reduce((a, r) => a + r.n, 0),
    distinct: rows.length,
    opened,
    firstMails: mails.filter((m) => m.parent === null).length,
    joined,
    replies: mails.filter((m) => m.parent !== null).length,
  };
}

async function benchBackends(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  return rows.map((r) => r.pid);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function withoutLog(o: EmailIngestOptions): Omit<EmailIngestOptions, "log"> {
  const { log: _log, ...rest } = o;
  return rest;
}
