// The BENCHMARKS.md section of the chat benchmark, written from one run's results.
import type { ChatResult, PhaseResult, RoundTrip } from "./chat.ts";
import { PRODUCT_LIMITS, SITE_ORIGIN } from "./chat.ts";
import type { MachineInfo } from "./machine.ts";
import type { MemoryReport, ProfileReport } from "./protocol.ts";
import { fmt, type Summary } from "./stats.ts";

export const CHAT_SECTION_ID = "chat";

const pair = (s: Summary, d = 1) => `${fmt(s.p50, d)} / ${fmt(s.p99, d)}`;
const KiB = (bytes: number) => fmt(bytes / 1024, 1);
const MiB = (bytes: number) => fmt(bytes / 1024 / 1024, 1);
const idleLabel = (n: number) => (n === 0 ? "none" : fmt(n));

/** App CPU ms per round trip during a phase (includes whatever else the app did meanwhile, e.g. the idle sockets' pings). */
function appCpuPerRoundTrip(p: PhaseResult): number {
  return p.ok ? ((p.cpu.appPct / 100) * p.cpu.wallMs) / p.ok : Number.NaN;
}

/** The same less what the app used at rest just before (same sockets, nothing sent) over the same time. */
function netCpuPerRoundTrip(p: PhaseResult): number {
  if (!p.ok || !p.rest) return Number.NaN;
  return (((p.cpu.appPct - p.rest.appPct) / 100) * p.cpu.wallMs) / p.ok;
}

function perSocket(step: ChatResult["idle"][number]): { rss: number; heap: number; external: number; total: number; recovery: number } {
  const n = Math.max(1, step.opened.opened);
  const d = (f: (m: MemoryReport) => number) => (f(step.after) - f(step.before)) / n;
  return {
    rss: d((m) => m.rss),
    heap: d((m) => m.heapUsed),
    external: d((m) => m.external),
    total: d((m) => m.heapUsed + m.external),
    recovery: d((m) => m.recoveryBuffer.jsonBytes),
  };
}

/** Memory per idle socket over all of them: from before the first step to after the last. */
function overall(r: ChatResult): { sockets: number; rss: number; heap: number; external: number; recovery: number; recoveryPackets: number } | null {
  const first = r.idle[0];
  const last = r.idle[r.idle.length - 1];
  if (!first || !last) return null;
  // Between steps the app ran a phase of round trips: its garbage is collected, but what it keeps (e.g. the
  // packets buffered for connection state recovery) is not the sockets'. So sum the steps' own deltas.
  const sockets = r.idle.reduce((a, s) => a + s.opened.opened, 0);
  const sum = (f: (m: MemoryReport) => number) => r.idle.reduce((a, s) => a + f(s.after) - f(s.before), 0) / Math.max(1, sockets);
  return {
    sockets,
    rss: sum((m) => m.rss),
    heap: sum((m) => m.heapUsed),
    external: sum((m) => m.external),
    recovery: sum((m) => m.recoveryBuffer.jsonBytes),
    recoveryPackets: sum((m) => m.recoveryBuffer.packets),
  };
}

export function summaryLines(r: ChatResult): string[] {
  const out = r.phases.map(
    (p) =>
      `round trip with ${idleLabel(p.idleSockets)} idle sockets: p50 ${fmt(p.rtt.p50, 1)} ms, p99 ${fmt(p.rtt.p99, 1)} ms (${p.ok}/${p.roundTrips.length} ok)`,
  );
  out.push(`floor (bare socket.io echo): p50 ${fmt(r.floor.rtt.p50, 2)} ms, p99 ${fmt(r.floor.rtt.p99, 2)} ms`);
  const o = overall(r);
  if (o) out.push(`app memory per idle visitor socket (${fmt(o.sockets)} sockets, after a full GC): ${KiB(o.heap)} KiB heap, ${KiB(o.external)} KiB external, ${KiB(o.rss)} KiB RSS`);
  return out;
}

/** The Redis commands per round trip by name, e.g. "4.0 multi/exec with 6.0 commands inside, 3.0 xadd, …". */
function redisSummary(report: ProfileReport, n: number): string {
  const cmds = report.redisCommands ?? [];
  if (!cmds.length) return `${fmt((report.redis.calls * report.redis.meanMs) / n, 1)} ms in all`;
  return cmds
    .slice(0, 8)
    .map((c) => `${fmt(c.calls / n, 1)} \`${c.label.toUpperCase()}\``)
    .join(", ");
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th"}`;
}

/** Share of one core other processes used during a step (the idle-socket process is ours, not other). */
export function otherPct(p: PhaseResult): number {
  return Math.max(0, p.cpu.otherPct - p.crowdPct);
}

/** Which leg made a slow round trip slow. */
function slowLeg(t: RoundTrip): string {
  const toAgent = t.toAgentMs;
  const reply = t.rttMs - t.toAgentMs;
  if (toAgent >= reply) return `visitor → agent ${fmt(toAgent)} ms (the visitor's ack ${fmt(t.ackMs)} ms)`;
  return `the reply ${fmt(reply)} ms (its POST answered in ${fmt(t.postMs)} ms)`;
}

function limits(r: ChatResult): string[] {
  const out: string[] = [];
  const base = r.phases[0]!;
  const top = r.phases[r.phases.length - 1]!;
  const f = r.floor.rtt;
  out.push(
    `**The round trip is two trips through the product, one after the other.** *Visitor → agent* (p50 ${fmt(base.toAgent.p50, 1)} ms with no idle socket): the \`chat:send\` handler counts two rate limits in Redis ` +
      `(a MULTI each), looks the client id up and ingests the message (the same \`ingest_inbound_message\` SQL function as SMS), which publishes \`message.created\` to the Redis event stream; ` +
      `the server's stream reader (\`XREAD BLOCK\`) hands it to socket.io, and the agent's socket gets \`message:new\`. Meanwhile the handler loads the message as the visitor sees it, publishes the echo for the visitor's other tabs ` +
      `and acks (p50 ${fmt(base.ack.p50, 1)} ms: after the agent already has the message). ` +
      `*Agent → visitor* (p50 ${fmt(base.replyToVisitor.p50, 1)} ms from the POST): \`POST /api/conversations/:id/messages\` authenticates the session (SQL), stores the reply as \`queued\` in a transaction, ` +
      `loads it, adds an outbound job to BullMQ and publishes \`message.created\` before it answers (p50 ${fmt(base.post.p50, 1)} ms); the BullMQ worker picks the job up, loads the message, ` +
      `runs the chat adapter, which loads it again as the visitor sees it and publishes \`chat.message\`, and the stream reader pushes that to the visitor's room. ` +
      `The floor makes the same four socket hops with the same payloads and nothing between them: ${fmt(f.p50, 2)} ms at p50, so ${fmt(base.rtt.p50 - f.p50, 1)} ms of the product's ${fmt(base.rtt.p50, 1)} ms ` +
      `is its own work between the hops, done one step after another.`,
  );
  const p = r.profile;
  const perTrip = appCpuPerRoundTrip(base);
  if (p && p.report.messages > 0) {
    const n = p.report.messages;
    const queries = p.report.queries.reduce((a, q) => a + q.calls, 0);
    const sqlMs = p.report.queries.reduce((a, q) => a + q.calls * q.meanMs, 0) / n;
    const cpu = p.report.cpu;
    const writes = cpu ? cpu.socketWrites.reduce((a, w) => a + w.pct, 0) : 0;
    out.push(
      `**That work is mostly the app's own CPU.** The app used ${fmt(perTrip, 1)} ms of CPU per round trip with no idle socket (${fmt(netCpuPerRoundTrip(base), 1)} ms more than at rest), ` +
        `against ${fmt(r.floor.cpuMsPerRoundTrip, 2)} ms for the floor's server and both its clients together; one round trip at a time, on one event loop, most of that CPU is on the round trip's path. ` +
        `Profile pass (${fmt(n)} round trips after the last step, the idle sockets closed; every SQL statement, pool checkout and Redis command timed in the app and a V8 CPU profile taken; not part of the figures above): ` +
        `per round trip the app ran ${fmt(queries / n, 1)} SQL statements, one after another (${fmt(sqlMs, 1)} ms from issue to answer in all, a few after the reply had reached the visitor: the worker marking it sent), ` +
        `and ${fmt(p.report.redis.calls / n, 1)} Redis commands (${redisSummary(p.report, n)}; a MULTI's commands go in one write). ` +
        (cpu
          ? `Its CPU profile: ${fmt(cpu.busyMs / n, 1)} ms busy per round trip, of which ${fmt(writes)}% in writing to sockets ` +
            `(${cpu.socketWrites.map((w) => `${w.peer.replace("agent websocket (socket.io)", "websockets (socket.io)")} ${fmt(w.pct, 1)}%`).join(", ")}): each SQL statement, Redis write, socket.io frame and HTTP answer ` +
            `is a system call into the loopback TCP stack, which on this virtual machine costs tens of microseconds. Self time by package: ${cpu.packages.slice(0, 8).map((x) => `${x.name} ${fmt(x.pct, 1)}%`).join(", ")}.`
          : ""),
    );
  }
  const slow = r.phases.map((ph) => ({ ph, t: ph.slowest[0] })).filter((x): x is { ph: PhaseResult; t: RoundTrip } => !!x.t);
  const maxLoop = Math.max(...r.phases.map((ph) => ph.app.eventLoopDelayMs.max));
  const maxGc = Math.max(...r.phases.map((ph) => ph.app.gc?.maxMs ?? 0));
  const worstStatement = p ? [...p.report.queries].sort((a, b) => (b.maxMs ?? 0) - (a.maxMs ?? 0))[0] : undefined;
  const worstRedis = p ? [...(p.report.redisCommands ?? [])].sort((a, b) => (b.maxMs ?? 0) - (a.maxMs ?? 0))[0] : undefined;
  const outliers = r.phases.some((ph) => ph.rtt.max > 5 * ph.rtt.p50);
  out.push(
    (outliers
      ? `**The p99 and the maximum are a few slow round trips, not a slower product.** `
      : `**The tail is short in this run:** the slowest round trip of any step took ${fmt(Math.max(...r.phases.map((ph) => ph.rtt.max)))} ms. `) +
      `The p99 of ${fmt(r.options.roundTrips)} round trips (nearest rank) is the ${ordinal(r.options.roundTrips - Math.ceil(0.99 * r.options.roundTrips) + 1)} slowest, so two or three ` +
      `outliers move it. The slowest round trip of each step: ${slow.map((x) => `${idleLabel(x.ph.idleSockets)} idle, ${fmt(x.t.rttMs)} ms: ${slowLeg(x.t)}`).join("; ")}. ` +
      `The app's event loop was never late by more than ${fmt(maxLoop)} ms in a step and its longest GC pause was ${fmt(maxGc, 1)} ms` +
      (slow.every((x) => x.t.rttMs - x.ph.rtt.p50 > 2 * maxLoop) ? `, far less than those round trips lost: the app was waiting for Postgres or Redis, not working` : "") +
      `. ` +
      (worstStatement && worstRedis
        ? `In the profile pass the slowest single SQL statement was \`${worstStatement.label.slice(0, 40).trim()}…\` (${fmt(worstStatement.maxMs ?? NaN, 1)} ms, against a mean of ${fmt(worstStatement.meanMs, 2)} ms) ` +
          `and the slowest Redis command a \`${worstRedis.label.toUpperCase()}\` (${fmt(worstRedis.maxMs ?? NaN, 1)} ms). `
        : "") +
      `On this shared machine some runs see round trips of 100–500 ms: a diagnosis run on 2026-11-23 with every statement timed in the measured steps (\`BENCH_CHAT_DIAG=1\`, which perturbs the figures) caught the long waits in Postgres commits (a \`COMMIT\` of 114 ms: the WAL flush) ` +
      `and in Redis (an \`XADD\` of 53 ms) while other processes used 59% of a core: Postgres and Redis are processes waiting for one of the 2 cores or for the disk like everything else. ` +
      `Such outliers come and go between runs and steps whatever the number of idle sockets; the CPU table shows what else ran in each step.`,
  );
  const dP50 = top.rtt.p50 - base.rtt.p50;
  const restBase = base.rest?.appPct ?? Number.NaN;
  const restTop = top.rest?.appPct ?? Number.NaN;
  const heartbeatsPerSecond = top.idleSockets / 25;
  // Between runs the p50 of the same step moves by about ±2 ms on this shared machine: below that, no verdict.
  const slower = dP50 > Math.max(2, 0.15 * base.rtt.p50);
  const disturbed = r.phases.filter((ph) => otherPct(ph) > r.options.retryIfOtherAbovePct);
  out.push(
    `**${slower ? `Idle sockets slowed the round trip by ${fmt(dP50, 1)} ms at p50.` : "Idle sockets do not measurably slow the round trip."}** ${slower ? "" : "(Between runs the p50 of one step moves by about ±2 ms here.) "}With ${fmt(top.idleSockets)} idle visitor sockets its p50 moved by ${fmt(dP50, 1)} ms against none (${pair(base.rtt)} → ${pair(top.rtt)} ms p50 / p99), ` +
      `the app's CPU per round trip less its rest went from ${fmt(netCpuPerRoundTrip(base), 1)} to ${fmt(netCpuPerRoundTrip(top), 1)} ms and its event loop's p99 delay from ` +
      `${fmt(base.app.eventLoopDelayMs.p99, 1)} to ${fmt(top.app.eventLoopDelayMs.p99, 1)} ms. A message to one visitor goes to one room (\`nsp.local.to("visitor:<id>")\`), a map lookup whatever the number of sockets. ` +
      `What an idle socket costs is its memory (below) and socket.io's heartbeat: a ping every 25 s answered by a pong, ${fmt(heartbeatsPerSecond)} a second for ${fmt(top.idleSockets)} sockets ` +
      `(the bench opens each step's sockets evenly over 25 s, so the heartbeats come as evenly as visitors arriving at random would make them). At rest the app used ${fmt(restBase, 1)}% of a core with no idle socket ` +
      `and ${fmt(restTop, 1)}% with ${fmt(top.idleSockets)}` +
      (Number.isFinite(restTop - restBase) && restTop > restBase
        ? `: about ${fmt((((restTop - restBase) / 100) * 1000) / heartbeatsPerSecond, 2)} ms of CPU per heartbeat, so at this rate heartbeats alone would take a whole core only near ${fmt(Math.round(((100 / (restTop - restBase)) * top.idleSockets) / 1000) * 1000)} idle sockets (a ${fmt(r.options.restMs / 1000)}-second sample; file descriptors run out first). `
        : ". ") +
      `Opening a socket cost the app ${fmt(r.idle[r.idle.length - 1]?.appCpuMsPerConnect ?? NaN, 1)} ms of CPU (the handshake's rate-limit count in Redis, the widget lookup, the visitor's chat state and availability in SQL).` +
      (disturbed.length
        ? ` Compare with care: other processes on this shared machine took ${disturbed.map((ph) => `${fmt(otherPct(ph))}% of a core during the step with ${idleLabel(ph.idleSockets)} idle`).join(" and ")}${disturbed.some((ph) => ph.firstTry) ? " (after a repeat)" : ""}.`
        : ""),
  );
  const md = r.massDisconnect;
  if (md.sockets > 0) {
    const stmts = md.report.queries.reduce((a, q) => a + q.calls, 0);
    const top1 = md.report.queries[0];
    out.push(
      `**When the idle sockets all leave at once** (here: the idle-socket process closes its ${fmt(md.sockets)} sockets; in life a deploy, a proxy restart or a network blip), ` +
        (Number.isFinite(md.busyMs) ? `the app was busy for ${fmt(md.busyMs / 1000, 1)} s` : `the app was not quiet again within 60 s`) +
        ` and used ${fmt(md.appCpuMs)} ms of CPU (${fmt(md.appCpuMs / md.sockets, 2)} ms per socket), running ${fmt(stmts)} SQL statements (${fmt(stmts / md.sockets, 2)} per socket)` +
        (top1
          ? `, most of them \`${top1.label.slice(0, 70).trim()}…\` (${fmt(top1.calls)} times, ${fmt(top1.meanMs, 1)} ms on average, p99 ${fmt(top1.p99Ms, 1)} ms)`
          : "") +
        `. That is the chat namespace's disconnect handler telling agents the visitor stopped typing (\`visitorTyping(…, false)\` in \`server/realtime/chat-namespace.ts\`): it looks up the visitor's open conversation ` +
        `for every socket that leaves, including the many that never typed or never wrote. Meanwhile a pool checkout waited ${fmt(md.report.poolConnect.meanMs, 1)} ms on average (p99 ${fmt(md.report.poolConnect.p99Ms, 1)} ms) ` +
        `for one of the ${r.app.dbPoolSize} connections, and every other query of the app (a chatting visitor's message, an agent's reply) waits in the same queue.`,
    );
  }
  const o = overall(r);
  if (o) {
    const big = r.idle.reduce((a, b) => (b.opened.opened > a.opened.opened ? b : a));
    const bigRss = (big.after.rss - big.before.rss) / Math.max(1, big.opened.opened);
    out.push(
      `**Memory.** Each idle visitor socket holds about ${KiB(o.heap + o.external)} KiB in the app (${KiB(o.heap)} KiB of JavaScript heap, ${KiB(o.external)} KiB outside it, after a full GC): ` +
        `the engine.io and socket.io socket objects, the \`ws\` connection, the HTTP upgrade request with its headers (kept as \`socket.request\`), its two rooms (its own id and \`visitor:<id>\`) and the data its handshake attached. ` +
        `Of that, ${fmt(o.recovery)} bytes of JSON (${fmt(o.recoveryPackets, 2)} packet per socket) are the \`chat:session\` packet it was sent, which socket.io keeps in the namespace's adapter for ` +
        `connection state recovery (\`maxDisconnectionDuration\`: 2 minutes, swept every minute), so in steady state a socket holds a little less than measured here, right after connecting. ` +
        `The process's RSS grew ${KiB(bigRss)} KiB per socket in the ${fmt(big.opened.opened)}-socket step; RSS also moves with the pages V8 and the allocator keep or give back after a GC, so it is no measure in a smaller step ` +
        `(the first step's can even come out negative). Kernel socket buffers are in neither figure. ` +
        `At this size, 10,000 idle visitors take about ${MiB(10_000 * (o.heap + o.external))} MiB of the app's memory; one file descriptor each (\`ulimit -n\` is the first hard bound).`,
    );
  }
  return out;
}

export function renderChatSection(r: ChatResult, m: MachineInfo, quiet: { busyPct: number; waitedMs: number }): string {
  const o = r.options;
  const lines: string[] = [];
  const visitorsPerPhase = Math.ceil(o.roundTrips / o.perVisitor);
  lines.push(`## Web chat: visitor → agent → visitor round trip, with idle visitor sockets`);
  lines.push("");
  lines.push(
    `Measured ${m.date} on ${m.nproc} × ${m.cpuModel}, ${fmt(m.memoryGiB, 1)} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}, socket.io ${r.floor.socketIoVersion}. ` +
      `The machine was ${fmt(quiet.busyPct)}% busy with other work just before the run${quiet.waitedMs > 1500 ? ` (after waiting ${fmt(quiet.waitedMs / 1000)} s for it to settle)` : ""}.`,
  );
  lines.push("");
  lines.push(
    `**How.** The app runs in a child process (\`bench/app-server.ts\` under tsx with \`--expose-gc\`: HTTP, socket.io and the BullMQ workers in one process as \`npm start\` runs them, ` +
      `pg pool ${r.app.dbPoolSize}, LOG_LEVEL=error) on a fresh database \`sb_bench\` and its own Redis prefix. An admin creates a widget (\`POST /api/widgets\`, allowed origin ${SITE_ORIGIN}); ` +
      `an agent signs in, listens on \`/agent\` (websocket) and goes available (\`PUT /api/me/presence\`) with chat capacity ${fmt(r.activeVisitors + 10)}. ` +
      `A visitor connects as the widget does (socket.io-client to \`/chat\`, websocket transport, the widget key in \`auth\`, the site's \`Origin\`), sends a first message, ` +
      `and the agent accepts its \`offer:new\` (\`POST /api/offers/:id/accept\`). **One round trip:** the visitor emits \`chat:send {clientId, body}\` (a ${fmt(r.payloadBytes.visitorSend)}-byte event); ` +
      `the agent's socket receives it as \`message:new\` and the agent at once replies with \`POST /api/conversations/:id/messages {body}\` (keep-alive \`node:http\`); ` +
      `the visitor receives the reply as \`chat:message\` with \`from: "agent"\`. Timed from the visitor's emit to that \`chat:message\`, in the load generator (\`bench/run.ts\`, parent process); ` +
      `one round trip at a time, ${o.gapMs} ms apart, ${fmt(o.roundTrips)} per step after ${fmt(o.warmupRoundTrips)} of warm-up. ` +
      `The product allows a visitor ${PRODUCT_LIMITS.messagesPerVisitorPerMinute} messages a minute and an address ${PRODUCT_LIMITS.messagesPerAddressPerMinute} (\`server/realtime/chat-namespace.ts\`), so the chat is carried by ` +
      `${visitorsPerPhase} visitors per step in turn, ${o.perVisitor} round trips each, each from its own loopback address (127.0.1.x; ${fmt(r.activeVisitors)} such visitors in all, all connected throughout). ` +
      `A step during which other processes on this shared machine used more than ${fmt(o.retryIfOtherAbovePct)}% of a core is run once more with fresh visitors (at most ${o.spareGroups}; marked in the table). ` +
      `**Idle sockets:** visitor sockets connected to \`/chat\` that received \`chat:session\` and send nothing, opened by a separate process (\`bench/chat-crowd.ts\`) evenly over ${fmt(o.connectSpreadMs / 1000)} s per step ` +
      `(socket.io's ping interval, so their heartbeats are spread as visitors arriving at random would spread them; at most ${o.connectConcurrency} handshakes at a time) ` +
      `from ${r.idleAddresses} loopback source addresses (127.0.0.${o.idleAddressRange[0]}–127.0.0.${o.idleAddressRange[1]}, via engine.io-client's \`localAddress\`), ` +
      `because the product accepts ${PRODUCT_LIMITS.connectsPerAddressPerMinute} connects per address per minute; they stay connected while the next step runs. ` +
      `Before each step's round trips the app is watched for ${fmt(o.restMs / 1000)} s with nothing sent (its CPU "at rest"). ` +
      `**Memory:** the app's \`process.memoryUsage()\` after two full GCs (\`global.gc()\`, 300 ms apart), read just before opening idle sockets and again once the server counts them all, before any round trip. ` +
      `After the last step the idle sockets are all closed at once and the app is watched (SQL and Redis timing on) until it is quiet; then ${fmt(o.profileRoundTrips)} more round trips are profiled. ` +
      `**Floor:** a bare socket.io server (default options) and two socket.io-client sockets (websocket) in one process of their own (\`bench/chat-floor.ts\`), after the app has stopped: ` +
      `the "visitor" emits the same \`chat:send\` payload, the server passes it to the "agent" as the product's \`message:new\` payload (${fmt(r.payloadBytes.toAgent)} bytes), ` +
      `the agent answers over its socket with the reply's body, and the server passes it to the visitor as the product's \`chat:message\` (${fmt(r.payloadBytes.toVisitor)} bytes): ` +
      `the same four hops with the same bytes, and none of the product's work between them; same count, same pause.`,
  );
  lines.push("");
  lines.push(`### Result beside the floor`);
  lines.push("");
  lines.push(
    `| idle visitor sockets | round trips ok | **round trip p50 / p99 ms** | max ms | floor p50 / p99 ms | p50 / floor | visitor → agent socket p50 / p99 ms | agent's POST answered p50 / p99 ms | POST → visitor p50 / p99 ms | app CPU at rest (same sockets, nothing sent) | app CPU ms per round trip (less the rest) | app event-loop delay p99 ms |`,
  );
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const p of r.phases) {
    const errs = p.failed ? ` (${Object.entries(p.errors).map(([k, v]) => `${k}: ${v}`).join(", ")})` : "";
    lines.push(
      `| ${idleLabel(p.idleSockets)}${p.firstTry ? ` (repeated: the first try measured ${pair(p.firstTry.rtt)} ms while other processes used ${fmt(p.firstTry.otherPct)}% of a core${otherPct(p) > r.options.retryIfOtherAbovePct ? `; during the repeat they used ${fmt(otherPct(p))}%` : ""})` : ""} | ${fmt(p.ok)} of ${fmt(p.roundTrips.length)}${errs} | **${pair(p.rtt)}** | ${fmt(p.rtt.max, 1)} | ${pair(r.floor.rtt, 2)} | ${fmt(p.rtt.p50 / r.floor.rtt.p50, 1)}× | ` +
        `${pair(p.toAgent)} | ${pair(p.post)} | ${pair(p.replyToVisitor)} | ${p.rest ? `${fmt(p.rest.appPct, 1)}% of a core` : "–"} | ${fmt(appCpuPerRoundTrip(p), 2)} (${fmt(netCpuPerRoundTrip(p), 2)}) | ${fmt(p.app.eventLoopDelayMs.p99, 1)} |`,
    );
  }
  lines.push(
    `| floor: bare socket.io echo | ${fmt(r.floor.rttMs.length)} of ${fmt(r.floor.rttMs.length + r.floor.failed)} | ${pair(r.floor.rtt, 2)} | ${fmt(r.floor.rtt.max, 2)} | | 1× | | | | | ${fmt(r.floor.cpuMsPerRoundTrip, 2)} (server and both clients) | |`,
  );
  lines.push("");
  lines.push(`### Memory per idle visitor socket (the app process, after a full GC)`);
  lines.push("");
  lines.push(
    `| step | sockets opened (failed) | over s | handshake p50 / p99 / max ms | app CPU ms per connect (other processes meanwhile, % of a core) | RSS before → after MiB | heap used before → after MiB | external before → after MiB | **per socket: heap + external KiB** | per socket: RSS KiB | of it, recovery buffer bytes (JSON) | /chat sockets the server counts | app file descriptors |`,
  );
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  let prev = 0;
  for (const s of r.idle) {
    const ps = perSocket(s);
    const failed = s.opened.failed ? `${fmt(s.opened.failed)}: ${Object.entries(s.opened.errors).map(([k, v]) => `${k} ${v}`).join(", ")}` : "0";
    lines.push(
      `| ${fmt(prev)} → ${fmt(s.target)} | ${fmt(s.opened.opened)} (${failed}) | ${fmt(s.opened.wallMs / 1000, 1)} | ${fmt(s.opened.handshakeMs.p50, 1)} / ${fmt(s.opened.handshakeMs.p99, 1)} / ${fmt(s.opened.handshakeMs.max, 1)} | ${fmt(s.appCpuMsPerConnect, 2)} (${fmt(s.otherPct)}%) | ${MiB(s.before.rss)} → ${MiB(s.after.rss)} | ${MiB(s.before.heapUsed)} → ${MiB(s.after.heapUsed)} | ` +
        `${MiB(s.before.external)} → ${MiB(s.after.external)} | **${KiB(ps.total)}** | ${KiB(ps.rss)} | ${fmt(ps.recovery)} | ${fmt(s.after.chatSockets)} | ${fmt(s.after.fds)} |`,
    );
    prev = s.target;
  }
  const ov = overall(r);
  if (ov) {
    lines.push(`| **all ${fmt(ov.sockets)}** | | | | | | | | **${KiB(ov.heap + ov.external)}** | ${KiB(ov.rss)} | ${fmt(ov.recovery)} | | |`);
  }
  lines.push("");
  lines.push(
    `The idle sockets' own process held ${MiB(r.crowdRssBytes)} MiB RSS for ${fmt(r.idle[r.idle.length - 1]?.opened.open ?? 0)} client sockets. ` +
      `Idle sockets disconnected during the run: ${fmt(r.crowdDisconnects)}${r.crowdDisconnects ? ` (${Object.entries(r.crowdDisconnectReasons).map(([k, v]) => `${k}: ${v}`).join(", ")})` : ""}; ` +
      `the most opened from one address: ${fmt(r.idle[r.idle.length - 1]?.opened.maxPerAddress ?? 0)} (the product allows ${PRODUCT_LIMITS.connectsPerAddressPerMinute} a minute).`,
  );
  lines.push("");
  lines.push(`### Where the CPU went (per step; 100% = one core)`);
  lines.push("");
  lines.push(`| idle visitor sockets | app process | PostgreSQL (all) | Redis | load generator | idle-socket process | other processes | machine busy (all cores) | app event-loop delay p50 / p99 / max ms | app GC pauses: count, longest ms | generator loop delay p99 ms |`);
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const p of [r.warmup, ...r.phases, ...(r.profile ? [r.profile.phase] : [])]) {
    const c = p.cpu;
    lines.push(
      `| ${p === r.warmup ? "warm-up" : p === r.profile?.phase ? "profile pass (none, timing hooks on)" : idleLabel(p.idleSockets)} | ${fmt(c.appPct)}% | ${fmt(c.postgresPct)}% | ${fmt(c.redisPct)}% | ${fmt(c.loadGeneratorPct)}% | ${fmt(p.crowdPct)}% | ${fmt(otherPct(p))}% | ${fmt(c.machineBusyPct)}% | ` +
        `${fmt(p.app.eventLoopDelayMs.p50, 1)} / ${fmt(p.app.eventLoopDelayMs.p99, 1)} / ${fmt(p.app.eventLoopDelayMs.max, 1)} | ${fmt(p.app.gc?.count ?? NaN)}, ${fmt(p.app.gc?.maxMs ?? NaN, 1)} | ${fmt(p.generatorLoopDelayP99Ms, 1)} |`,
    );
  }
  lines.push("");
  lines.push(`### What limits it`);
  lines.push("");
  for (const l of limits(r)) lines.push(l, "");
  const p = r.profile;
  if (p && p.report.messages > 0) {
    const n = p.report.messages;
    lines.push(`| statement (first 90 characters) | per round trip | mean ms | p99 ms | ms per round trip |`);
    lines.push(`| --- | --- | --- | --- | --- |`);
    for (const q of p.report.queries.slice(0, 14)) {
      lines.push(`| \`${q.label.replace(/\|/g, "\\|")}\` | ${fmt(q.calls / n, 2)} | ${fmt(q.meanMs, 2)} | ${fmt(q.p99Ms, 2)} | ${fmt((q.calls * q.meanMs) / n, 2)} |`);
    }
    const rest = p.report.queries.slice(14);
    if (rest.length) {
      const calls = rest.reduce((a, q) => a + q.calls, 0);
      const ms = rest.reduce((a, q) => a + q.calls * q.meanMs, 0);
      lines.push(`| ${rest.length} other statements | ${fmt(calls / n, 2)} | ${fmt(ms / Math.max(1, calls), 2)} | | ${fmt(ms / n, 2)} |`);
    }
    lines.push(`| pool checkout (\`pool.connect\`) | ${fmt(p.report.poolConnect.calls / n, 2)} | ${fmt(p.report.poolConnect.meanMs, 2)} | ${fmt(p.report.poolConnect.p99Ms, 2)} | ${fmt((p.report.poolConnect.calls * p.report.poolConnect.meanMs) / n, 2)} |`);
    lines.push(`| Redis commands (non-blocking; a MULTI's overlap, so the last column overstates the wait) | ${fmt(p.report.redis.calls / n, 2)} | ${fmt(p.report.redis.meanMs, 2)} | ${fmt(p.report.redis.p99Ms, 2)} | ${fmt((p.report.redis.calls * p.report.redis.meanMs) / n, 2)} |`);
  }
  return lines.join("\n");
}
