// Benchmark: the live board's fan-out. 1,000 agent sockets and 50 supervisor sockets on the app; steady
// traffic of real domain actions (signed inbound SMS through the webhook, presence changes on the agents'
// sockets, the offers those texts make accepted and later resolved over REST); event → every supervisor's
// screen (bench/board-latency.ts), the app's CPU with the supervisors watching and again with nobody watching
// (the ingest alone: the difference is the fan-out's), the feed's own counts of events, reads and updates
// (coalescing). Then the floor: a bare socket.io server with the same sockets broadcasting the same updates at
// the same moments. See bench/run.ts for how it is started and BENCHMARKS.md for the figures.
import http from "node:http";
import os from "node:os";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { formatPhone } from "../shared/phone.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { signTwilioRequest, smsWebhookParams } from "../test/support/twilio-webhooks.ts";
import type { AppChild } from "./harness.ts";
import { startHelperChild, type HelperChild } from "./helper-child.ts";
import { startCpuProbe, type CpuShare } from "./machine.ts";
import type { WindowStats } from "./protocol.ts";
import type { AgentAction, AgentsReply, AgentsRequest } from "./board-agents.ts";
import type { BoardFloorReply, BoardFloorRequest } from "./board-floor.ts";
import { recordEvents, stampEventTimes } from "./board-events.ts";
import { follow, latencyOf, measureLatency, type BoardAction, type FollowedBoard, type Latency, type LatencyResult } from "./board-latency.ts";
import { seedBoard } from "./board-seed.ts";
import type { WatchersReply, WatchersRequest, WatchersTake } from "./board-watchers.ts";
import { SMS_PATH } from "./sms-ingest.ts";

export interface BoardOptions {
  agents: number;
  supervisors: number;
  /**
   * Inbound texts per second (each then offered, accepted and resolved: three actions, about eight domain
   * events). With the presence changes (one event each) the feed counts about 200 events/s, the rate.
   */
  textsPerSecond: number;
  /** Presence changes per second on the agents' sockets. */
  presencePerSecond: number;
  /** How long an agent holds a conversation before resolving it. */
  holdMs: number;
  warmupMs: number;
  phaseMs: number;
  log: (line: string) => void;
}

export const DEFAULT_BOARD_OPTIONS: Omit<BoardOptions, "log"> = {
  agents: 1000,
  supervisors: 50,
  textsPerSecond: 15,
  presencePerSecond: 80,
  holdMs: 1500,
  warmupMs: 5000,
  phaseMs: 30_000,
};

export interface FeedCounts {
  events: number;
  reads: number;
  /** Reads of the whole board (the others read only the agents their events named). */
  fullReads: number;
  updates: number;
}

export interface PhaseResult {
  watching: boolean;
  app: WindowStats;
  cpu: CpuShare;
  feed: FeedCounts;
  /** Actions sent in the window, by kind, and those that failed. */
  sent: Record<BoardAction["kind"], number>;
  failed: number;
  errorSamples: string[];
  /** Webhook answer times of the texts, ms. */
  textHttp: Latency;
}

export interface BoardResult {
  options: Omit<BoardOptions, "log">;
  coalesceMs: number;
  connected: { agents: number; supervisors: number; failed: number; wallMs: number };
  snapshotBytes: number;
  watchMs: { p50: number; p99: number };
  watched: PhaseResult & { latency: LatencyResult; updateBytes: Latency; disconnects: number };
  alone: PhaseResult;
  floor: { latency: Latency; cpuMs: number; wallMs: number; sent: number; lateMs: number; socketIoVersion: string; missed: number };
  /** os.loadavg() (1, 5, 15 min) before the watched phase and after the phase alone. */
  load: { before: number[]; after: number[] };
}

type Agents = HelperChild<AgentsRequest, AgentsReply>;
type Watchers = HelperChild<WatchersRequest, WatchersReply>;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signed inbound texts, each from a number of its own (a new customer), open loop at `perSecond`. */
async function sendTexts(app: AppChild["ready"], agent: http.Agent, perSecond: number, ms: number, first: number) {
  const texts: BoardAction[] = [];
  const answers: number[] = [];
  const errors: string[] = [];
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  const count = Math.floor((perSecond * ms) / 1000);
  for (let k = 0; k < count; k++) {
    const wait = t0 + (k * 1000) / perSecond - performance.now();
    if (wait > 1) await sleep(wait);
    const from = `+1415${3_000_000 + first + k}`;
    const params = smsWebhookParams({ AccountSid: app.accountSid, From: from, To: app.businessNumber, Body: "Where is my order?", MessageSid: newSid("SM") });
    const body = new URLSearchParams(params).toString();
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": Buffer.byteLength(body),
      "i-twilio-idempotency-token": randomUUID(),
      "x-twilio-signature": signTwilioRequest(app.authToken, app.publicUrl + SMS_PATH, params),
    };
    const text: BoardAction = { kind: "text", sentAt: now(), value: formatPhone(from), address: from };
    const t1 = performance.now();
    inFlight.push(
      new Promise<void>((resolve) => {
        const req = http.request({ host: "127.0.0.1", port: app.port, path: SMS_PATH, method: "POST", agent, headers }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) (texts.push(text), answers.push(performance.now() - t1));
            else if (errors.length < 5) errors.push(`text: HTTP ${res.statusCode}`);
            resolve();
          });
        });
        req.setTimeout(15_000, () => req.destroy(new Error("no answer within 15 s")));
        req.on("error", (err) => (errors.length < 5 && errors.push(`text: ${err.message}`), resolve()));
        req.end(body);
      }),
    );
  }
  await Promise.all(inFlight);
  return { texts, answers, errors, failed: count - texts.length };
}

async function feedCounts(child: AppChild): Promise<FeedCounts> {
  return (await child.request({ type: "board:stats" }, "board:stats")).stats;
}

async function benchBackends(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  return rows.map((r) => r.pid);
}

/** One steady window of traffic: texts from here, presence and offers from the agents' process. */
async function phase(child: AppChild, pool: pg.Pool, agents: Agents, o: BoardOptions, watching: boolean, textBase: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32, timeout: 3000 });
  const feed0 = await feedCounts(child);
  const backends = await benchBackends(pool);
  await child.windowStart();
  const probe = startCpuProbe(child.pid, backends);
  const agentsDone = agents.request({ type: "traffic", presencePerSecond: o.presencePerSecond, durationMs: o.phaseMs, holdMs: o.holdMs }, "traffic:done", o.phaseMs + 60_000);
  const textsDone = sendTexts(child.ready, agent, o.textsPerSecond, o.phaseMs, textBase);
  await sleep(o.phaseMs);
  const app = await child.windowEnd();
  const cpu = probe.stop(await benchBackends(pool));
  const feed1 = await feedCounts(child);
  const [done, texts] = await Promise.all([agentsDone, textsDone]);
  agent.destroy();
  const actions: BoardAction[] = [
    ...texts.texts,
    ...done.actions.filter((a: AgentAction) => a.ok).map((a) => ({ kind: a.kind, sentAt: a.sentAt, agentId: a.agentId, value: a.value })),
  ];
  const sent = { presence: 0, text: 0, accept: 0, resolve: 0 };
  for (const a of actions) sent[a.kind]++;
  const result: PhaseResult = {
    watching,
    app,
    cpu,
    feed: { events: feed1.events - feed0.events, reads: feed1.reads - feed0.reads, fullReads: feed1.fullReads - feed0.fullReads, updates: feed1.updates - feed0.updates },
    sent,
    failed: texts.failed + done.actions.filter((a) => !a.ok).length,
    errorSamples: [...texts.errors, ...done.errorSamples],
    textHttp: latencyOf(texts.answers),
  };
  return { result, actions };
}

async function connectBoth(agents: Agents, watchers: Watchers, url: string, origin: string, seed: Awaited<ReturnType<typeof seedBoard>>, floor: boolean) {
  const common = { url, origin, floor, concurrency: 16, timeoutMs: 30_000 };
  const a = await agents.request({ type: "connect", ...common, people: seed.agents }, "connected", 180_000);
  const w = await watchers.request({ type: "connect", ...common, people: seed.supervisors }, "connected", 60_000);
  if (a.failed || w.failed) throw new Error(`sockets refused: ${JSON.stringify({ agents: a.errors, supervisors: w.errors })}`);
  return { agents: a.connected, supervisors: w.connected, failed: 0, wallMs: a.wallMs + w.wallMs };
}

export async function runBoard(child: AppChild, databaseUrl: string, redis: { url: string; prefix: string }, o: BoardOptions, helpers: Set<{ stop(): Promise<void> }>): Promise<BoardResult> {
  const { log } = o;
  const app = child.ready;
  const origin = new URL(app.publicUrl).origin;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: "sb-bench-check" });
  pool.on("error", () => {});
  try {
    const seed = await seedBoard(pool, o);
    log(`board: seeded ${seed.agents.length} agents (available, SMS capacity 3), ${seed.supervisors.length} supervisors, ${seed.queueIds.length} queues`);
    const agents: Agents = await startHelperChild("board-agents.ts");
    helpers.add(agents);
    const watchers: Watchers = await startHelperChild("board-watchers.ts");
    helpers.add(watchers);
    const connected = await connectBoth(agents, watchers, app.url, origin, seed, false);
    log(`board: ${connected.agents} agent and ${connected.supervisors} supervisor sockets connected in ${(connected.wallMs / 1000).toFixed(1)} s`);

    const watch = async (): Promise<{ followed: FollowedBoard; bytes: number; watchMs: { p50: number; p99: number } }> => {
      const w = await watchers.request({ type: "watch" }, "watching", 60_000);
      if (w.refused) throw new Error(`${w.refused} supervisors were refused the board`);
      return { followed: { board: w.snapshot }, bytes: w.snapshotBytes, watchMs: { p50: w.watchMs.p50, p99: w.watchMs.p99 } };
    };
    const take = async (): Promise<WatchersTake> => watchers.request({ type: "take" }, "taken", 60_000);

    // Warm-up, watched: the JIT, the pools and the caches as in the measured phase; its updates only move the board on.
    const first = await watch();
    log(`board: ${connected.supervisors} supervisors watching (snapshot ${(first.bytes / 1024).toFixed(0)} KiB, watch ack p99 ${first.watchMs.p99.toFixed(0)} ms); warm-up ${o.warmupMs / 1000} s`);
    await phase(child, pool, agents, { ...o, phaseMs: o.warmupMs }, true, 0);
    await sleep(1000);
    follow(first.followed, (await take()).updates);

    log(`board: watched phase, ${o.phaseMs / 1000} s: ${o.textsPerSecond} texts/s in (each offered, accepted, resolved after ${o.holdMs} ms), ${o.presencePerSecond} presence changes/s`);
    const loadBefore = os.loadavg();
    // BENCH_BOARD_PROFILE=1 (diagnosis only: the timing hooks slow the app): every SQL statement of the watched phase, timed.
    const profiling = process.env.BENCH_BOARD_PROFILE === "1";
    if (profiling) await child.profileOn();
    const recorder = recordEvents(redis.url, redis.prefix);
    const watched = await phase(child, pool, agents, o, true, 100_000);
    if (profiling) {
      const report = await child.profileOff();
      for (const q of report.queries.slice(0, 12)) log(`profile: ${q.calls} × ${q.meanMs.toFixed(2)} ms (p99 ${q.p99Ms.toFixed(1)}) ${q.label}`);
    }
    // The last actions' reads (a coalescing window and a read) reach the screens.
    await sleep(1500);
    const taken = await take();
    stampEventTimes(watched.actions, await recorder.stop());
    const states = follow(first.followed, taken.updates);
    const latency = measureLatency(states, taken.received, watched.actions);
    const updateBytes = latencyOf(taken.updates.map((u) => JSON.stringify(u).length));
    log(`board: watched: ${watched.actions.length} actions, ${taken.updates.length} updates, event → screen p99 ${latency.all.p99.toFixed(0)} ms, app CPU ${(watched.result.app.cpuMs / watched.result.app.wallMs).toFixed(2)} cores`);

    await watchers.request({ type: "unwatch" }, "unwatched", 30_000);
    await sleep(1000);
    log(`board: the same traffic with nobody watching, ${o.phaseMs / 1000} s`);
    const alone = await phase(child, pool, agents, o, false, 200_000);
    const loadAfter = os.loadavg();
    log(`board: alone: app CPU ${(alone.result.app.cpuMs / alone.result.app.wallMs).toFixed(2)} cores, board reads ${alone.result.feed.reads}`);

    // ----- the floor: the same sockets on a bare socket.io server, the same updates at the same moments -----
    await agents.request({ type: "disconnect" }, "disconnected", 30_000);
    await watchers.request({ type: "disconnect" }, "disconnected", 30_000);
    const floorServer: HelperChild<BoardFloorRequest, BoardFloorReply> = await startHelperChild("board-floor.ts");
    helpers.add(floorServer);
    const listening = await floorServer.request({ type: "listen" }, "listening", 10_000);
    await connectBoth(agents, watchers, listening.url, origin, seed, true);
    const at0 = taken.updates.length ? Date.parse(taken.updates[0]!.at) : 0;
    log(`board: floor: replaying ${taken.updates.length} updates to ${connected.supervisors} supervisors (with ${connected.agents} idle sockets) on socket.io ${listening.socketIoVersion}`);
    const replayed = await floorServer.request(
      { type: "replay", offsetsMs: taken.updates.map((u) => Date.parse(u.at) - at0), payloads: taken.updates },
      "replayed",
      o.phaseMs + 60_000,
    );
    await sleep(500);
    const floorTaken = await take();
    const floorMs: number[] = [];
    let floorMissed = 0;
    for (const r of floorTaken.received) {
      floorMissed += replayed.sent - r.length;
      for (const [seq, t] of r) floorMs.push(t - floorTaken.floorSentAt[seq]!);
    }
    await floorServer.stop();
    helpers.delete(floorServer);

    return {
      options: { agents: o.agents, supervisors: o.supervisors, textsPerSecond: o.textsPerSecond, presencePerSecond: o.presencePerSecond, holdMs: o.holdMs, warmupMs: o.warmupMs, phaseMs: o.phaseMs },
      coalesceMs: Number(process.env.BENCH_APP_BOARD_COALESCE_MS ?? 50),
      connected,
      snapshotBytes: first.bytes,
      watchMs: first.watchMs,
      watched: { ...watched.result, latency, updateBytes, disconnects: taken.disconnects },
      alone: alone.result,
      load: { before: loadBefore, after: loadAfter },
      floor: { latency: latencyOf(floorMs), cpuMs: replayed.cpuMs, wallMs: replayed.wallMs, sent: replayed.sent, lateMs: replayed.lateMs, socketIoVersion: listening.socketIoVersion, missed: floorMissed },
    };
  } finally {
    await pool.end();
  }
}
