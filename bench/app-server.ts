// The app under load, in its own process: starts Switchboard exactly as production does (HTTP,
// socket.io and the BullMQ workers in one process, pool of 20) against the benchmark's database and
// Redis prefix, with the fake Twilio API standing in for Twilio's REST side (inbound SMS never calls it).
// Talks to bench/run.ts over IPC: reports its URL, measures its own CPU, event-loop delay and pg pool
// queueing per window, and on request times every SQL query (profile mode, off during measured steps).
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay, performance, PerformanceObserver } from "node:perf_hooks";
import { Redis } from "ioredis";
import pg from "pg";
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard, type Switchboard } from "../server/switchboard.ts";
import { startFakeTwilio, type FakeTwilio } from "../demo/twilio-simulator/fake-twilio.ts";
import { BUSINESS_NUMBER, freePort } from "../test/support/test-app.ts";
import type { ChildReply, ChildRequest, MemoryReport, ProfileReport, QueryTiming, WindowStats } from "./protocol.ts";
import { startCpuProfile, type CpuBreakdown } from "./cpu-profile.ts";
import { summarize } from "./stats.ts";

// The product's default pool (startSwitchboard's dbPoolSize). BENCH_DB_POOL_SIZE overrides it for a what-if
// diagnosis; BENCHMARKS.md states the size each run used, and the floor uses the same size.
const DB_POOL_SIZE = Number(process.env.BENCH_DB_POOL_SIZE ?? 20);

function send(msg: ChildReply): void {
  process.send?.(msg);
}

// ---------- per-window measurement ----------
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
let windowT0 = 0;
let windowCpu0 = process.cpuUsage();
let poolSamples = 0;
let poolWaitingSum = 0;
let poolWaitingMax = 0;
let poolTotalMax = 0;
let sampler: NodeJS.Timeout | null = null;
// Garbage-collection pauses in the window (each a stop of the event loop): count, total and longest.
let gcCount = 0;
let gcTotalMs = 0;
let gcMaxMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount++;
    gcTotalMs += e.duration;
    gcMaxMs = Math.max(gcMaxMs, e.duration);
  }
});

function windowStart(pool: pg.Pool): void {
  loopDelay.reset();
  loopDelay.enable();
  windowT0 = performance.now();
  windowCpu0 = process.cpuUsage();
  poolSamples = poolWaitingSum = poolWaitingMax = poolTotalMax = 0;
  gcCount = gcTotalMs = gcMaxMs = 0;
  gcObserver.disconnect();
  gcObserver.observe({ entryTypes: ["gc"] });
  if (sampler) clearInterval(sampler);
  sampler = setInterval(() => {
    poolSamples++;
    poolWaitingSum += pool.waitingCount;
    poolWaitingMax = Math.max(poolWaitingMax, pool.waitingCount);
    poolTotalMax = Math.max(poolTotalMax, pool.totalCount);
  }, 5);
}

function windowEnd(): WindowStats {
  if (sampler) clearInterval(sampler);
  sampler = null;
  loopDelay.disable();
  for (const e of gcObserver.takeRecords()) {
    gcCount++;
    gcTotalMs += e.duration;
    gcMaxMs = Math.max(gcMaxMs, e.duration);
  }
  gcObserver.disconnect();
  const cpu = process.cpuUsage(windowCpu0);
  const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
  return {
    wallMs: performance.now() - windowT0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    poolWaiting: { mean: poolSamples ? poolWaitingSum / poolSamples : 0, max: poolWaitingMax },
    poolTotalMax,
    gc: { count: gcCount, totalMs: gcTotalMs, maxMs: gcMaxMs },
  };
}

// ---------- profile mode: times every SQL query, pool checkout, transaction and Redis command ----------
type AnyFn = (...args: unknown[]) => unknown;
const queryTimes = new Map<string, number[]>();
const connectTimes: number[] = [];
const txTimes: number[] = [];
const redisTimes: number[] = [];
const redisByCommand = new Map<string, number[]>();
const txStart = new WeakMap<object, number>();
let restore: (() => void) | null = null;
let stopCpuProfile: (() => Promise<CpuBreakdown>) | null = null;

/** A short stable name for a SQL text: its first 90 characters, whitespace collapsed. */
function label(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 90);
}

function record(map: Map<string, number[]>, key: string, ms: number): void {
  let a = map.get(key);
  if (!a) map.set(key, (a = []));
  a.push(ms);
}

function profileOn(): void {
  if (restore) return;
  stopCpuProfile = startCpuProfile();
  queryTimes.clear();
  connectTimes.length = txTimes.length = redisTimes.length = 0;
  redisByCommand.clear();
  const clientProto = pg.Client.prototype as unknown as Record<string, AnyFn>;
  const poolProto = pg.Pool.prototype as unknown as Record<string, AnyFn>;
  const redisProto = Redis.prototype as unknown as Record<string, AnyFn>;
  const origQuery = clientProto.query!;
  const hadOwnConnect = Object.prototype.hasOwnProperty.call(poolProto, "connect");
  const origConnect = poolProto.connect!;
  const origSend = redisProto.sendCommand!;

  clientProto.query = function (this: object, ...args: unknown[]) {
    const cfg = args[0] as string | { text?: string } | undefined;
    const text = typeof cfg === "string" ? cfg : typeof cfg?.text === "string" ? cfg.text : null;
    if (text === null) return origQuery.apply(this, args);
    const t0 = performance.now();
    const verb = text.trim().toUpperCase();
    if (verb === "BEGIN") txStart.set(this, t0);
    const done = () => {
      const t1 = performance.now();
      record(queryTimes, label(text), t1 - t0);
      if (verb === "COMMIT" || verb === "ROLLBACK") {
        const s = txStart.get(this);
        if (s !== undefined) txTimes.push(t1 - s);
        txStart.delete(this);
      }
    };
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = function (this: unknown, ...cbArgs: unknown[]) {
        done();
        return (last as AnyFn).apply(this, cbArgs);
      };
      return origQuery.apply(this, args);
    }
    const result = origQuery.apply(this, args) as { then?: (a: () => void, b: () => void) => unknown } | undefined;
    if (result && typeof result.then === "function") result.then(done, done);
    return result;
  };

  poolProto.connect = function (this: object, ...args: unknown[]) {
    const t0 = performance.now();
    const cb = args[0];
    if (typeof cb === "function") {
      return origConnect.call(this, function (this: unknown, ...cbArgs: unknown[]) {
        connectTimes.push(performance.now() - t0);
        return (cb as AnyFn).apply(this, cbArgs);
      });
    }
    const result = origConnect.apply(this, args) as Promise<unknown>;
    result.then(
      () => connectTimes.push(performance.now() - t0),
      () => {},
    );
    return result;
  };

  const BLOCKING = new Set(["bzpopmin", "bzpopmax", "brpoplpush", "blmove", "brpop", "blpop", "xread", "xreadgroup", "subscribe", "psubscribe"]);
  redisProto.sendCommand = function (this: object, ...args: unknown[]) {
    const cmd = args[0] as { name?: string; promise?: Promise<unknown> } | undefined;
    const name = String(cmd?.name ?? "").toLowerCase();
    if (cmd?.promise && !BLOCKING.has(name)) {
      const t0 = performance.now();
      cmd.promise.then(
        () => {
          const ms = performance.now() - t0;
          redisTimes.push(ms);
          record(redisByCommand, name, ms);
        },
        () => {},
      );
    }
    return origSend.apply(this, args);
  };

  restore = () => {
    clientProto.query = origQuery;
    if (hadOwnConnect) poolProto.connect = origConnect;
    else delete poolProto.connect;
    redisProto.sendCommand = origSend;
  };
}

async function profileOff(): Promise<ProfileReport> {
  restore?.();
  restore = null;
  const cpu = stopCpuProfile ? await stopCpuProfile().catch(() => null) : null;
  stopCpuProfile = null;
  const timing = (values: number[]) => {
    const s = summarize(values);
    return { calls: values.length, meanMs: s.mean, p99Ms: s.p99, maxMs: s.max };
  };
  const queries: QueryTiming[] = [...queryTimes.entries()].map(([l, v]) => ({ label: l, ...timing(v) }));
  queries.sort((a, b) => b.calls * b.meanMs - a.calls * a.meanMs);
  const redisCommands: QueryTiming[] = [...redisByCommand.entries()].map(([l, v]) => ({ label: l, ...timing(v) }));
  redisCommands.sort((a, b) => b.calls - a.calls);
  return { messages: 0, queries, poolConnect: timing(connectTimes), transaction: timing(txTimes), redis: timing(redisTimes), redisCommands, cpu };
}

// ---------- memory: what the process holds, after a full GC when --expose-gc allows one ----------
async function memory(sb: Switchboard, wantGc: boolean): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const ran = wantGc && typeof gc === "function";
  if (ran) {
    // Twice, with time between: the first pass runs finalizers that free more for the second, and V8 hands
    // freed pages back to the system shortly after a GC, not during it (so RSS is read once that has happened).
    for (let i = 0; i < 2; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const m = process.memoryUsage();
  let fds = -1;
  try {
    fds = readdirSync("/proc/self/fd").length;
  } catch {
    // not Linux
  }
  const recoveryBuffer = { packets: 0, jsonBytes: 0 };
  for (const nsp of sb.io?._nsps.values() ?? []) {
    const packets = (nsp.adapter as unknown as { packets?: { data: unknown }[] }).packets ?? [];
    recoveryBuffer.packets += packets.length;
    for (const p of packets) recoveryBuffer.jsonBytes += JSON.stringify(p.data)?.length ?? 0;
  }
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    gc: ran,
    chatSockets: sb.io?.of("/chat").sockets.size ?? 0,
    engineClients: sb.io?.engine.clientsCount ?? 0,
    fds,
    recoveryBuffer,
  };
}

// ---------- start ----------
async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_APP_DATABASE_URL;
  const redisUrl = process.env.BENCH_APP_REDIS_URL;
  const prefix = process.env.BENCH_APP_REDIS_PREFIX;
  const publicUrl = process.env.BENCH_APP_PUBLIC_URL ?? "https://switchboard.bench.example";
  if (!databaseUrl || !redisUrl || !prefix) throw new Error("bench/app-server.ts is started by bench/run.ts (BENCH_APP_* variables)");

  const fake: FakeTwilio = await startFakeTwilio();
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: publicUrl,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    SESSION_SECRET: process.env.BENCH_APP_SESSION_SECRET ?? randomBytes(32).toString("hex"),
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_PHONE_NUMBER: BUSINESS_NUMBER,
    TWILIO_API_BASE_URL: fake.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
    REDIS_PREFIX: prefix,
    // The benchmarks' agents are scripts replying at machine speed, not people: no write budget in the way.
    API_WRITES_PER_MINUTE: "100000",
    // The email benchmark's mailbox (its own Dovecot), configured as an install configures its first one.
    ...(process.env.BENCH_APP_IMAP_URL
      ? { IMAP_URL: process.env.BENCH_APP_IMAP_URL, SMTP_URL: process.env.BENCH_APP_SMTP_URL, MAIL_FROM: process.env.BENCH_APP_MAIL_FROM }
      : {}),
    // The routing benchmark lengthens it so that no offer times out during its run.
    ...(process.env.OFFER_TIMEOUT_SECONDS ? { OFFER_TIMEOUT_SECONDS: process.env.OFFER_TIMEOUT_SECONDS } : {}),
  });
  // BENCH_APP_RUN_WORKERS=false: the BullMQ workers run in their own processes (the routing benchmark's worker children).
  const runWorkers = process.env.BENCH_APP_RUN_WORKERS !== "false";
  // BENCH_APP_BOARD_COALESCE_MS: the live board's coalescing window for a what-if run (the board benchmark states it).
  const boardCoalesceMs = process.env.BENCH_APP_BOARD_COALESCE_MS ? Number(process.env.BENCH_APP_BOARD_COALESCE_MS) : undefined;
  const sb: Switchboard = await startSwitchboard({ config, log: createLogger(config.logLevel), dbPoolSize: DB_POOL_SIZE, runWorkers, boardCoalesceMs });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const hard = setTimeout(() => process.exit(1), 10_000);
      hard.unref();
      try {
        await sb.close();
        await fake.close();
      } finally {
        send({ type: "closed" });
        process.exit(0);
      }
    })());
  // The parent went away (crash, Ctrl-C): never outlive it.
  process.on("disconnect", () => void close());
  process.on("SIGTERM", () => void close());
  process.on("SIGINT", () => void close());

  process.on("message", (msg: ChildRequest) => {
    switch (msg.type) {
      case "window:start":
        windowStart(sb.db.pool);
        send({ type: "window:started" });
        break;
      case "window:end":
        send({ type: "window:stats", stats: windowEnd() });
        break;
      case "profile:on":
        profileOn();
        send({ type: "profile:started" });
        break;
      case "profile:off":
        void profileOff().then((report) => send({ type: "profile:report", report }));
        break;
      case "memory":
        void memory(sb, msg.gc).then((m) => send({ type: "memory:report", memory: m }));
        break;
      case "board:stats":
        send({ type: "board:stats", stats: sb.board?.stats() ?? { events: 0, reads: 0, fullReads: 0, updates: 0 } });
        break;
      case "close":
        void close();
        break;
    }
  });

  send({
    type: "ready",
    url: sb.url,
    port: sb.port,
    publicUrl: config.publicUrl,
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    businessNumber: BUSINESS_NUMBER,
    dbPoolSize: DB_POOL_SIZE,
  });
}

main().catch((err) => {
  process.stderr.write(`bench app-server failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
