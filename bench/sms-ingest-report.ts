// The BENCHMARKS.md section of the inbound SMS benchmark, written from one run's results.
import type { MachineInfo } from "./machine.ts";
import type { SmsIngestResult, StepResult } from "./sms-ingest.ts";
import { fmt } from "./stats.ts";

export const SECTION_ID = "sms-ingest";

export const TARGETS = { sustainedMsgPerSecond: 1000, socketP99MsAt500: 50, shareOfFloor: 0.3 };

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export function checkTargets(r: SmsIngestResult): TargetCheck[] {
  const at500 = r.steps.find((s) => s.offered === 500);
  const sustainedRate = r.sustained?.achieved ?? 0;
  const share = sustainedRate / r.floor.rowsPerSecond;
  return [
    {
      target: `≥ ${fmt(TARGETS.sustainedMsgPerSecond)} msg/s sustained`,
      measured: r.sustained ? `${fmt(r.sustained.offered)} msg/s step passed (achieved ${fmt(r.sustained.achieved)} msg/s)` : "no step passed",
      met: !!r.sustained && r.sustained.offered >= TARGETS.sustainedMsgPerSecond,
    },
    {
      target: `webhook → agent socket p99 < ${TARGETS.socketP99MsAt500} ms at 500 msg/s`,
      measured: at500 ? `${fmt(at500.socket.p99, 1)} ms${at500.passed ? "" : " (step not sustained)"}` : "500 msg/s step not run",
      met: !!at500 && at500.passed && at500.socket.p99 < TARGETS.socketP99MsAt500,
    },
    {
      target: `ingest ≥ ${fmt(TARGETS.shareOfFloor * 100)}% of the floor`,
      measured: `${fmt(share * 100, 1)}% (${fmt(sustainedRate)} of ${fmt(r.floor.rowsPerSecond)} rows/s)`,
      met: share >= TARGETS.shareOfFloor,
    },
  ];
}

const ms = (a: number, b: number) => `${fmt(a, 1)} / ${fmt(b, 1)}`;
const yes = (b: boolean) => (b ? "**yes**" : "**no**");

function once(rows: number, ok: number, missing: number, dups: number): string {
  if (missing === 0 && dups === 0 && rows === ok) return `${fmt(rows)} = ${fmt(ok)} ✓`;
  return `${fmt(rows)} of ${fmt(ok)}: ${fmt(missing)} missing, ${fmt(dups)} doubled ✗`;
}

function stepRow(s: StepResult, label?: string): string {
  const v = s.verification;
  const errors = s.errors === 0 ? "0" : `${s.errors} (${Object.entries(s.errorKinds).map(([k, n]) => `${k}: ${n}`).join(", ")})`;
  const retried = s.firstTry ? ` (repeated: the first try reached ${fmt(s.firstTry.achieved)} msg/s while other processes used ${fmt(s.firstTry.otherPct)}% of a core)` : "";
  return `| ${label ?? fmt(s.offered)}${retried} | ${fmt(s.sent)} | ${fmt(s.shed)} | ${fmt(s.achieved)} | ${ms(s.http.p50, s.http.p99)} | ${ms(s.socket.p50, s.socket.p99)} | ${errors} | ${once(v.rows - v.rowsForFailedRequests, s.ok, v.missingRows, v.duplicateRows)} | ${once(v.socketArrivals - v.duplicateOnSocket, s.ok, v.missingOnSocket, v.duplicateOnSocket)} | ${s.passed ? "pass" : `fail: ${s.failReasons.join("; ")}`} |`;
}

/** CPU milliseconds per stored message (or row) of a process given its share of one core over a window. */
export function cpuMsPer(pct: number, wallMs: number, n: number): number {
  return n > 0 ? ((pct / 100) * wallMs) / n : Number.NaN;
}

function cpuRow(s: StepResult, label?: string): string {
  const c = s.cpu;
  return `| ${label ?? fmt(s.offered)} | ${fmt(cpuMsPer(c.appPct, c.wallMs, s.ok), 2)} / ${fmt(cpuMsPer(c.postgresBenchPct, c.wallMs, s.ok), 2)} | ${fmt(c.appPct)}% | ${fmt(c.postgresPct)}% (${fmt(c.postgresBenchPct)}%) | ${fmt(c.redisPct)}% | ${fmt(c.loadGeneratorPct)}% | ${fmt(c.otherPct)}% | ${fmt(c.machineBusyPct)}% | ${ms(s.app.eventLoopDelayMs.p50, s.app.eventLoopDelayMs.p99)} | ${fmt(s.app.poolWaiting.mean, 1)} / ${fmt(s.app.poolWaiting.max)} | ${fmt(s.generatorLoopDelayP99Ms, 1)} |`;
}

function limits(r: SmsIngestResult): string[] {
  const out: string[] = [];
  const top = r.steps.find((s) => !s.passed && (!r.sustained || s.offered > r.sustained.offered)) ?? r.steps[r.steps.length - 1];
  if (!top) return ["No step ran."];
  const c = top.cpu;
  const where = top.passed ? `At ${fmt(top.offered)} msg/s (the highest step, sustained)` : `At ${fmt(top.offered)} msg/s (the first step not sustained: ${fmt(top.achieved)} msg/s achieved)`;
  out.push(
    `${where} the app process used ${fmt(c.appPct)}% of one core, PostgreSQL ${fmt(c.postgresPct)}% (all its processes), Redis ${fmt(c.redisPct)}% and the load generator ${fmt(c.loadGeneratorPct)}%; ` +
      `other processes ${fmt(c.otherPct)}%; the machine was ${fmt(c.machineBusyPct)}% busy (100% = all cores). The app's event loop was late by ${fmt(top.app.eventLoopDelayMs.p99, 1)} ms at p99, ` +
      `and on average ${fmt(top.app.poolWaiting.mean, 1)} requests (max ${fmt(top.app.poolWaiting.max)}) waited for one of its ${r.app.dbPoolSize} pg connections.`,
  );
  const b = top.backends;
  out.push(
    `Sampled from pg_stat_activity, the app's connections were running a statement ${fmt(b.running * 100)}% of the time, ` +
      `idle inside an open transaction waiting for the app's next statement ${fmt(b.waitingForAppInTransaction * 100)}%, waiting for a lock ${fmt(b.lockWait * 100)}% ` +
      `and for WAL/IO ${fmt(b.walOrIo * 100)}%${b.topWaits.length ? ` (most frequent waits: ${b.topWaits.map((w) => `${w.event} ${fmt(w.share * 100)}%`).join(", ")})` : ""}.`,
  );
  const perMsg = (pct: number) => cpuMsPer(pct, c.wallMs, top.ok);
  const ours = perMsg(c.appPct) + perMsg(c.postgresPct) + perMsg(c.redisPct) + perMsg(c.loadGeneratorPct);
  out.push(
    `Per stored message that is ${fmt(perMsg(c.appPct), 2)} ms of app CPU, ${fmt(perMsg(c.postgresPct), 2)} ms of Postgres (${fmt(perMsg(c.postgresBenchPct), 2)} ms in the app's own backends), ` +
      `${fmt(perMsg(c.redisPct), 2)} ms of Redis and ${fmt(perMsg(c.loadGeneratorPct), 2)} ms of load generator: ${fmt(ours, 2)} ms of CPU in all, so ${r.cores} cores top out near ` +
      `${fmt((r.cores * 1000) / ours)} msg/s even with nothing else running. The floor needs ${fmt(cpuMsPer(r.floor.cpu.postgresBenchPct, r.floor.cpu.wallMs, r.floor.rows), 2)} ms of Postgres backend CPU ` +
      `and ${fmt(cpuMsPer(r.floor.cpu.loadGeneratorPct, r.floor.cpu.wallMs, r.floor.rows), 2)} ms of client CPU per row.`,
  );
  const verdicts: string[] = [];
  const statements = r.profile && r.profile.report.messages > 0 ? r.profile.report.queries.reduce((a, q) => a + q.calls, 0) / r.profile.report.messages : null;
  if (c.machineBusyPct >= 95) verdicts.push("the machine's cores are saturated, so every process competes for CPU");
  else if (c.machineBusyPct >= 75) {
    verdicts.push(`the machine is ${fmt(c.machineBusyPct)}% busy: close to its CPU, the rest lost while the app and Postgres wait to wake each other once per round trip`);
  }
  if (c.appPct >= 85) verdicts.push("the app's one event loop is close to a full core");
  if (top.app.poolWaiting.mean >= 5 && b.waitingForAppInTransaction >= 0.4) {
    verdicts.push(
      `all ${r.app.dbPoolSize} pooled connections are checked out and requests queue for them, yet a connection is idle in its transaction waiting for the app ` +
        `${fmt(b.waitingForAppInTransaction * 100)}% of the time and running a statement ${fmt(b.running * 100)}%: what holds a connection is the chain of ` +
        `${statements === null ? "sequential" : `about ${fmt(statements, 0)} sequential`} round trips per message (each a loopback write, a Postgres wake-up and a turn of the app's event loop), not work inside Postgres`,
    );
  }
  if (verdicts.length) out.push(`So at this rate ${verdicts.join("; ")}.`);
  const p = r.profile;
  if (p && p.report.messages > 0) {
    const n = p.report.messages;
    const queries = p.report.queries.reduce((a, q) => a + q.calls, 0);
    out.push(
      `Profile step (${fmt(p.rate)} msg/s for ${r.options.profileSeconds} s, the lowest rate, so timings are service rather than queueing; every SQL statement, pool checkout and Redis command timed in the app and a V8 CPU profile taken; not part of the figures above): ` +
        `per stored message the app ran ${fmt(queries / n, 1)} SQL statements and ${fmt(p.report.redis.calls / n, 1)} non-blocking Redis commands; ` +
        `the ingest transaction held its pooled connection ${fmt(p.report.transaction.meanMs, 1)} ms on average (p99 ${fmt(p.report.transaction.p99Ms, 1)} ms), ` +
        `and getting a connection from the pool took ${fmt(p.report.poolConnect.meanMs, 1)} ms on average (p99 ${fmt(p.report.poolConnect.p99Ms, 1)} ms).`,
    );
    const cpu = p.report.cpu;
    if (cpu) {
      const w = (peer: string) => cpu.socketWrites.find((x) => x.peer.startsWith(peer))?.pct ?? 0;
      out.push(
        `The app's V8 CPU profile over that step (${fmt(cpu.busyMs)} ms busy, ${fmt(cpu.idleMs)} ms idle): ${fmt(w("Postgres"), 1)}% of its busy time went into ` +
          `writing to its Postgres sockets (one write per SQL statement, so ${fmt(w("Postgres") / Math.max(1, queries / n), 1)}% per statement per message), ` +
          `against ${fmt(w("HTTP"), 1)}% for the HTTP answers, ${fmt(w("agent websocket"), 1)}% for the socket.io pushes and ${fmt(w("Redis"), 1)}% for Redis (XADD, BullMQ, the stream reader). ` +
          `Self time by package: ${cpu.packages.slice(0, 8).map((x) => `${x.name} ${fmt(x.pct, 1)}%`).join(", ")}.`,
      );
    }
  }
  return out;
}

function profileTable(r: SmsIngestResult): string[] {
  const p = r.profile;
  if (!p || p.report.messages === 0) return [];
  const n = p.report.messages;
  const lines = [
    `| statement (first 90 characters) | per message | mean ms | p99 ms | ms per message |`,
    `| --- | --- | --- | --- | --- |`,
  ];
  for (const q of p.report.queries.slice(0, 12)) {
    lines.push(`| \`${q.label.replace(/\|/g, "\\|")}\` | ${fmt(q.calls / n, 2)} | ${fmt(q.meanMs, 2)} | ${fmt(q.p99Ms, 2)} | ${fmt((q.calls * q.meanMs) / n, 2)} |`);
  }
  lines.push(`| pool checkout (\`pool.connect\`) | ${fmt(p.report.poolConnect.calls / n, 2)} | ${fmt(p.report.poolConnect.meanMs, 2)} | ${fmt(p.report.poolConnect.p99Ms, 2)} | ${fmt((p.report.poolConnect.calls * p.report.poolConnect.meanMs) / n, 2)} |`);
  lines.push(`| Redis commands (non-blocking) | ${fmt(p.report.redis.calls / n, 2)} | ${fmt(p.report.redis.meanMs, 2)} | ${fmt(p.report.redis.p99Ms, 2)} | ${fmt((p.report.redis.calls * p.report.redis.meanMs) / n, 2)} |`);
  return lines;
}

export function renderSmsIngestSection(r: SmsIngestResult, m: MachineInfo, quiet: { busyPct: number; waitedMs: number }): string {
  const o = r.options;
  const s = r.sustained;
  const targets = checkTargets(r);
  const peak = r.steps.reduce((a, b) => (b.achieved > a ? b.achieved : a), 0);
  const f = r.floor;
  const lines: string[] = [];
  lines.push(`## Inbound SMS: signed webhook → Postgres → agent socket`);
  lines.push("");
  lines.push(
    `Measured ${m.date} on ${m.nproc} × ${m.cpuModel}, ${fmt(m.memoryGiB, 1)} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}. ` +
      `The machine was ${fmt(quiet.busyPct)}% busy with other work just before the run${quiet.waitedMs > 1500 ? ` (after waiting ${fmt(quiet.waitedMs / 1000)} s for it to settle)` : ""}; ` +
      `the "other processes" column below shows what else ran during each step.`,
  );
  lines.push("");
  lines.push(
    `**How.** The app runs in a child process (\`bench/app-server.ts\` under tsx: HTTP, socket.io and the BullMQ workers in one process as \`npm start\` runs them, ` +
      `pg pool ${r.app.dbPoolSize}, LOG_LEVEL=error) on a fresh database \`sb_bench\` and its own Redis prefix. The load generator (\`bench/run.ts\`, parent process) ` +
      `POSTs \`${"/webhooks/twilio/sms"}\` signed as Twilio signs (\`getExpectedTwilioSignature(authToken, PUBLIC_URL + path, params)\`) over a keep-alive \`node:http\` Agent (undici is not a dependency of the project) ` +
      `with ${o.connections} connections, open loop: each message goes at its scheduled time whatever the answers, and one that finds ${o.maxInFlight} requests unanswered is shed and counted. ` +
      `${o.senders} distinct senders (+1212555xxxx, each valid for libphonenumber-js), a unique MessageSid (SM + 32 hex) and a unique marker in each Body. ` +
      `A supervisor signs in (\`POST /api/auth/login\`) and listens on \`/agent\` (websocket); socket latency is send → \`message:new\`. ` +
      `After each step the markers are counted in \`messages\` (each exactly once) and on the socket (each exactly once). ` +
      `Warm-up: each sender's first contact at ${fmt(o.warmupRate)}/s (creates customer, conversation, routing job); then steps of ${o.stepSeconds} s where known customers write into their open conversation. ` +
      `A step is sustained when it has no error, no shed send, no lost or doubled row or socket message, and achieves ≥ 95% of the offered rate; ` +
      `one that only fell short of its rate while other processes on this shared machine used more than ${fmt(o.retryIfOtherAbovePct)}% of a core is run once more (marked in the table). ` +
      `**Floor:** the same number of rows (${fmt(f.rows)}, one per message sent in the steps) with the same columns for the same conversations and customers, ` +
      `inserted by plain \`pg\` (one \`INSERT INTO messages … VALUES …\` per row, autocommit) with a pool of ${f.pool} and ${f.concurrency} concurrent callers, as fast as it goes, after the app has stopped.`,
  );
  lines.push("");
  lines.push(`### Result beside the floor`);
  lines.push("");
  lines.push(`| figure | Switchboard (webhook → Postgres → socket) | floor (plain pg INSERT, pool ${f.pool}, ${f.concurrency} concurrent) | Switchboard / floor |`);
  lines.push(`| --- | --- | --- | --- |`);
  lines.push(
    `| sustained rate | ${s ? `${fmt(s.achieved)} msg/s (${fmt(s.offered)} msg/s step)` : "none sustained"} | ${fmt(f.rowsPerSecond)} rows/s | ${fmt(((s?.achieved ?? 0) / f.rowsPerSecond) * 100, 1)}% |`,
  );
  lines.push(`| highest achieved (any step) | ${fmt(peak)} msg/s | ${fmt(f.rowsPerSecond)} rows/s | ${fmt((peak / f.rowsPerSecond) * 100, 1)}% |`);
  if (s) {
    lines.push(`| latency p50 / p99 at the sustained step | HTTP ${ms(s.http.p50, s.http.p99)} ms; socket ${ms(s.socket.p50, s.socket.p99)} ms | INSERT ${ms(f.insert.p50, f.insert.p99)} ms (including the wait for one of the ${f.pool} connections) | |`);
  }
  if (s) {
    lines.push(
      `| CPU ms per message (row) | app ${fmt(cpuMsPer(s.cpu.appPct, s.cpu.wallMs, s.ok), 2)} + its Postgres backends ${fmt(cpuMsPer(s.cpu.postgresBenchPct, s.cpu.wallMs, s.ok), 2)} (at the sustained step) | client ${fmt(cpuMsPer(f.cpu.loadGeneratorPct, f.cpu.wallMs, f.rows), 2)} + Postgres backends ${fmt(cpuMsPer(f.cpu.postgresBenchPct, f.cpu.wallMs, f.rows), 2)} | ${fmt((cpuMsPer(s.cpu.appPct, s.cpu.wallMs, s.ok) + cpuMsPer(s.cpu.postgresBenchPct, s.cpu.wallMs, s.ok)) / (cpuMsPer(f.cpu.loadGeneratorPct, f.cpu.wallMs, f.rows) + cpuMsPer(f.cpu.postgresBenchPct, f.cpu.wallMs, f.rows)), 1)}× the floor's CPU |`,
    );
  }
  lines.push(
    `| CPU while running (100% = one core) | app ${fmt(s?.cpu.appPct ?? Number.NaN)}%, Postgres ${fmt(s?.cpu.postgresPct ?? Number.NaN)}%, machine ${fmt(s?.cpu.machineBusyPct ?? Number.NaN)}% busy (at the sustained step) | Postgres ${fmt(f.cpu.postgresPct)}%, client ${fmt(f.cpu.loadGeneratorPct)}%, other ${fmt(f.cpu.otherPct)}%, machine ${fmt(f.cpu.machineBusyPct)}% busy | |`,
  );
  lines.push("");
  lines.push(`### Targets (this ${m.nproc}-core machine)`);
  lines.push("");
  lines.push(`| target | measured | met |`);
  lines.push(`| --- | --- | --- |`);
  for (const t of targets) lines.push(`| ${t.target} | ${t.measured} | ${yes(t.met)} |`);
  lines.push("");
  lines.push(`### Steps`);
  lines.push("");
  lines.push(`| offered msg/s | sent | shed | achieved msg/s | HTTP p50 / p99 ms | socket p50 / p99 ms | errors | rows in \`messages\` = sent, once each | socket \`message:new\` = sent, once each | verdict |`);
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  lines.push(stepRow(r.warmup, `warm-up ${fmt(r.warmup.offered)} (cold process, first contacts)`));
  for (const st of r.steps) lines.push(stepRow(st));
  for (const rate of r.skippedRates) lines.push(`| ${fmt(rate)} | – | – | – | – | – | – | – | – | not run (the step before achieved < ${fmt(o.giveUpBelow * 100)}% of its rate, or time budget spent) |`);
  if (r.socketDisconnects || r.unknownSocketArrivals) {
    lines.push("");
    lines.push(`Socket disconnects during the run: ${r.socketDisconnects}; \`message:new\` with no marker of this run: ${r.unknownSocketArrivals}.`);
  }
  const sample = [r.warmup, ...r.steps].find((st) => st.errorSample)?.errorSample;
  if (sample) lines.push("", `First error answer seen: \`${sample.replace(/`/g, "'").replace(/\s+/g, " ")}\``);
  lines.push("");
  lines.push(`### Where the CPU went (per step; 100% = one core)`);
  lines.push("");
  lines.push(
    `| offered msg/s | CPU ms per message: app / its Postgres backends | app process | PostgreSQL all (sb_bench backends) | Redis | load generator | other processes | machine busy (all cores) | app event-loop delay p50 / p99 ms | pg pool waiting mean / max | generator loop delay p99 ms |`,
  );
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  lines.push(cpuRow(r.warmup, "warm-up"));
  for (const st of r.steps) lines.push(cpuRow(st));
  lines.push("");
  lines.push(`### What the app's ${r.app.dbPoolSize} Postgres connections were doing (pg_stat_activity every 20 ms; share of backend samples)`);
  lines.push("");
  lines.push(`| offered msg/s | connections open (mean) | running a statement | idle in transaction (waiting for the app's next statement) | lock wait | WAL / IO / LWLock wait | idle in the pool | most frequent waits |`);
  lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const [label, st] of [["warm-up", r.warmup] as const, ...r.steps.map((x) => [fmt(x.offered), x] as const)]) {
    const b = st.backends;
    const pc = (x: number) => `${fmt(x * 100)}%`;
    lines.push(`| ${label} | ${fmt(b.backends, 1)} | ${pc(b.running)} | ${pc(b.waitingForAppInTransaction)} | ${pc(b.lockWait)} | ${pc(b.walOrIo)} | ${pc(b.idle)} | ${b.topWaits.map((w) => `${w.event} ${pc(w.share)}`).join(", ") || "–"} |`);
  }
  lines.push("");
  lines.push(`### What limits it`);
  lines.push("");
  lines.push(
    `Per message the product does one SQL round trip: \`ingest_inbound_message(…)\` (migration 0002), which under a per-sender ` +
      `advisory lock checks the provider id, finds or creates the customer, finds or opens the conversation and inserts the message, ` +
      `in one autocommit transaction. After the commit, before answering, it XADDs the event to the Redis stream (and queues a routing ` +
      `job for a new conversation); every server process's stream reader pushes it to its sockets. The floor is only the INSERT.`,
  );
  lines.push("");
  for (const l of limits(r)) lines.push(l, "");
  lines.push(...profileTable(r));
  return lines.join("\n");
}
