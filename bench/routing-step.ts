// One step of the routing benchmark: conversations arrive open loop at a fixed rate, each inserted as waiting
// (status 'queued', waiting_since now, a queue) and handed to the router as the product hands them
// (`queues.routeConversation(id, priority)`); the step ends when every one has reached its agent's socket as
// `offer:new`, or nothing new arrives for a while. Latency: the INSERT's commit acknowledged → offer:new received.
import { monitorEventLoopDelay } from "node:perf_hooks";
import type pg from "pg";
import type { Channel } from "../shared/domain.ts";
import type { Queues } from "../server/jobs/queues.ts";
import type { AgentsReply, AgentsRequest } from "./routing-agents.ts";
import type { FloorConversation } from "./routing-floor.ts";
import { startBackendSampler, type BackendStates } from "./sms-ingest.ts";
import { BENCH_CHANNELS, type Seed } from "./routing-seed.ts";
import type { HelperChild } from "./helper-child.ts";
import type { AppChild } from "./harness.ts";
import { cpuSecondsOfPid, startCpuProbe, type CpuShare } from "./machine.ts";
import type { WindowStats } from "./protocol.ts";
import { summarize, type Summary } from "./stats.ts";

export interface StepResult {
  name: string;
  signedIn: number;
  offered: number;
  planned: number;
  sent: number;
  shed: number;
  insertErrors: number;
  errorSample: string | null;
  /** Offers received on the agents' sockets for this step's conversations (first each), and beyond the first. */
  delivered: number;
  duplicates: number;
  misdelivered: number;
  /** Conversations still waiting (no offer) when the step ended. */
  stillQueued: number;
  /** Agents whose load is above their capacity on some channel at the end (must be 0). */
  overCapacity: number;
  /** Routing decisions (offers delivered) per second: first arrival → last delivery. */
  decisionsPerSecond: number;
  /** Arrivals per second the generator achieved. */
  arrivalsPerSecond: number;
  latency: Summary;
  /** INSERT sent → commit acknowledged, and routeConversation's add to BullMQ. */
  insert: Summary;
  enqueue: Summary;
  released: number;
  releaseMeanMs: number;
  app: WindowStats;
  cpu: CpuShare;
  /** What the database's connections (app, workers, generator, agents) were doing, sampled every 20 ms. */
  backends: BackendStates;
  /** % of one core: the agents' process (sockets and releases) and the worker processes (sum). */
  agentsPct: number;
  workersPct: number;
  generatorLoopDelayP99Ms: number;
  passed: boolean;
  failReasons: string[];
}

export interface StepContext {
  child: AppChild;
  agents: HelperChild<AgentsRequest, AgentsReply>;
  workerPids: number[];
  pool: pg.Pool;
  checkPool: pg.Pool;
  queues: Queues;
  seed: Seed;
  random: () => number;
  maxInFlight: number;
  /** Drain: stop waiting once nothing new has arrived for this long, or after drainMaxMs. */
  drainIdleMs: number;
  drainMaxMs: number;
  /** Conversations routed so far, for the floor's parameters. */
  routed: FloorConversation[];
  log: (line: string) => void;
}

interface Arrival {
  id: string | null;
  committedAt: number;
  insertMs: number;
  enqueueMs: number;
}

const now = () => performance.timeOrigin + performance.now();

function pickChannel(random: () => number): Channel {
  let r = random();
  for (const c of BENCH_CHANNELS) if ((r -= c.share) < 0) return c.channel;
  return BENCH_CHANNELS[0]!.channel;
}

async function benchBackends(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  return rows.map((r) => r.pid);
}

export async function runStep(ctx: StepContext, name: string, signedIn: number, rate: number, seconds: number): Promise<StepResult> {
  const { seed, random } = ctx;
  const planned = Math.round(rate * seconds);
  const plan = Array.from({ length: planned }, () => {
    const q = Math.floor(random() * seed.queueIds.length);
    const customer = seed.customers[Math.floor(random() * seed.customers.length)]!;
    const channel = pickChannel(random);
    return { q, customer, channel };
  });
  const arrivals: Arrival[] = [];
  const byId = new Map<string, { arrival: Arrival; plan: (typeof plan)[number] }>();
  const received = new Map<string, number>();
  let duplicates = 0;
  let misdelivered = 0;
  let released = 0;
  let releaseMsSum = 0;
  let releaseBatches = 0;
  let insertErrors = 0;
  let errorSample: string | null = null;
  let shed = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const takeReceipts = async () => {
    const r = await ctx.agents.request({ type: "take" }, "receipts", 10_000);
    for (const [id, t] of r.offers) {
      if (received.has(id)) duplicates++;
      else received.set(id, t);
    }
    misdelivered += r.misdelivered;
    released += r.released;
    releaseMsSum += r.releaseBatches * (Number.isFinite(r.releaseMeanMs) ? r.releaseMeanMs : 0);
    releaseBatches += r.releaseBatches;
    if (r.releaseErrors && !errorSample) errorSample = `release: ${r.releaseSample}`;
  };
  await takeReceipts(); // anything left from before belongs to no step

  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  const backends = await benchBackends(ctx.checkPool);
  const helperPids = [ctx.agents.pid, ...ctx.workerPids];
  const helper0 = helperPids.map(cpuSecondsOfPid);
  await ctx.child.windowStart();
  const cpuProbe = startCpuProbe(ctx.child.pid, backends);
  const sampler = startBackendSampler(ctx.checkPool);
  loopDelay.enable();
  const arrive = async (p: (typeof plan)[number]) => {
    const a: Arrival = { id: null, committedAt: Number.NaN, insertMs: Number.NaN, enqueueMs: Number.NaN };
    arrivals.push(a);
    const t0 = performance.now();
    try {
      // The due-time trigger sets due_at and the routing order (priority) from the queue's target for the tier.
      const { rows } = await ctx.pool.query<{ id: string; priority: number }>({
        name: "bench-arrival",
        text: `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, waiting_since, last_message_at)
               VALUES ($1, $2, 'queued', $3, 'bench-customer', now(), now()) RETURNING id, priority`,
        values: [p.customer.id, p.channel, seed.queueIds[p.q]],
      });
      a.committedAt = now();
      a.insertMs = performance.now() - t0;
      a.id = rows[0]!.id;
      byId.set(a.id, { arrival: a, plan: p });
      const t1 = performance.now();
      await ctx.queues.routeConversation(a.id, rows[0]!.priority);
      a.enqueueMs = performance.now() - t1;
    } catch (err) {
      insertErrors++;
      errorSample ??= (err as Error).message;
    }
  };
  const start = performance.now();
  let next = 0;
  while (next < planned) {
    const due = Math.min(planned, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; next < due; next++) {
      if (inFlight >= ctx.maxInFlight) {
        shed++;
        continue;
      }
      inFlight++;
      pending.push(arrive(plan[next]!).then(() => void inFlight--));
    }
    if (next < planned) await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const sentWallMs = performance.now() - start;

  // Drain: every committed conversation's offer on a socket, or no progress for drainIdleMs.
  const committed = arrivals.filter((a) => a.id !== null).length;
  const drainStart = performance.now();
  let seen = -1;
  let lastProgress = performance.now();
  for (;;) {
    await takeReceipts();
    let mine = 0;
    for (const id of byId.keys()) if (received.has(id)) mine++;
    if (mine >= committed) break;
    if (mine !== seen) {
      seen = mine;
      lastProgress = performance.now();
    }
    if (performance.now() - lastProgress > ctx.drainIdleMs || performance.now() - drainStart > ctx.drainMaxMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  loopDelay.disable();
  const backendStates = await sampler.stop();
  const cpu = cpuProbe.stop(await benchBackends(ctx.checkPool));
  const helper1 = helperPids.map(cpuSecondsOfPid);
  const app = await ctx.child.windowEnd();
  const pctOf = (i: number) => (100 * 1000 * ((helper1[i] ?? 0) - (helper0[i] ?? 0))) / cpu.wallMs;
  // Let the last releases commit before reading the loads.
  await new Promise((r) => setTimeout(r, 100));
  await takeReceipts();

  const latencies: number[] = [];
  let lastDelivery = 0;
  for (const [id, { arrival, plan: p }] of byId) {
    const t = received.get(id);
    if (t === undefined) continue;
    latencies.push(t - arrival.committedAt);
    lastDelivery = Math.max(lastDelivery, t);
    if (ctx.routed.length < 20_000) {
      ctx.routed.push({ id, channel: p.channel, customerId: p.customer.id, queueId: seed.queueIds[p.q]!, requiredSkills: seed.queueSkills[p.q]! });
    }
  }
  const firstArrival = Math.min(...arrivals.map((a) => a.committedAt).filter(Number.isFinite));
  const delivered = latencies.length;
  const { rows: q } = await ctx.checkPool.query<{ n: number }>(`SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1::uuid[]) AND status = 'queued'`, [[...byId.keys()]]);
  const { rows: over } = await ctx.checkPool.query<{ n: number }>(
    `SELECT count(DISTINCT a.id)::int AS n FROM agent_loads l JOIN agents a ON a.id = l.agent_id
      WHERE l.assigned + l.offered > CASE l.channel WHEN 'voice' THEN a.capacity_voice WHEN 'chat' THEN a.capacity_chat
                                                    WHEN 'sms' THEN a.capacity_sms ELSE a.capacity_email END`,
  );
  // Whatever this step left waiting or offered is withdrawn, so the next step starts from the same center.
  await ctx.checkPool.query(`UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE status = 'pending'`);
  await ctx.checkPool.query(
    `UPDATE conversations SET status = 'resolved', waiting_since = NULL, resolved_at = now() WHERE status IN ('queued', 'offered') AND customer_address = 'bench-customer'`,
  );
  const decisionsPerSecond = delivered > 1 ? delivered / ((lastDelivery - firstArrival) / 1000) : 0;
  const arrivalsPerSecond = committed / (sentWallMs / 1000);
  const failReasons: string[] = [];
  if (insertErrors) failReasons.push(`${insertErrors} arrivals failed`);
  if (shed) failReasons.push(`${shed} shed at the in-flight cap`);
  if (delivered < committed) failReasons.push(`${committed - delivered} of ${committed} never offered`);
  if (duplicates || misdelivered) failReasons.push(`${duplicates} offered twice, ${misdelivered} to the wrong socket`);
  if (over[0]!.n) failReasons.push(`${over[0]!.n} agents over capacity`);
  if (decisionsPerSecond < 0.95 * rate) failReasons.push(`${decisionsPerSecond.toFixed(0)} decisions/s < 95% of ${rate}`);
  const result: StepResult = {
    name,
    signedIn,
    offered: rate,
    planned,
    sent: arrivals.length,
    shed,
    insertErrors,
    errorSample,
    delivered,
    duplicates,
    misdelivered,
    stillQueued: q[0]!.n,
    overCapacity: over[0]!.n,
    decisionsPerSecond,
    arrivalsPerSecond,
    latency: summarize(latencies),
    insert: summarize(arrivals.map((a) => a.insertMs).filter(Number.isFinite)),
    enqueue: summarize(arrivals.map((a) => a.enqueueMs).filter(Number.isFinite)),
    released,
    releaseMeanMs: releaseBatches ? releaseMsSum / releaseBatches : Number.NaN,
    app,
    cpu,
    backends: backendStates,
    agentsPct: pctOf(0),
    workersPct: ctx.workerPids.reduce((s, _, i) => s + pctOf(i + 1), 0),
    generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    passed: failReasons.length === 0,
    failReasons,
  };
  ctx.log(
    `  ${name.padEnd(5)} ${String(signedIn).padStart(4)} agents  offered ${String(rate).padStart(5)}/s  arrived ${arrivalsPerSecond.toFixed(0).padStart(5)}/s  ` +
      `decided ${decisionsPerSecond.toFixed(0).padStart(5)}/s  waiting→offer:new p50/p99 ${result.latency.p50.toFixed(1)}/${result.latency.p99.toFixed(1)} ms  ` +
      `offers ${delivered}/${committed}  app ${cpu.appPct.toFixed(0)}% workers ${result.workersPct.toFixed(0)}% pg ${cpu.postgresPct.toFixed(0)}% (sb_bench ${cpu.postgresBenchPct.toFixed(0)}%) agents ${result.agentsPct.toFixed(0)}% ` +
      `gen ${cpu.loadGeneratorPct.toFixed(0)}% other ${cpu.otherPct.toFixed(0)}% machine ${cpu.machineBusyPct.toFixed(0)}%  ` +
      `db: ${(100 * backendStates.running).toFixed(0)}% running, ${(100 * backendStates.lockWait).toFixed(0)}% lock wait, ${(100 * backendStates.waitingForAppInTransaction).toFixed(0)}% idle in tx, top ${backendStates.topWaits.map((w) => w.event).join(",")}  ${result.passed ? "PASS" : `FAIL (${failReasons.join("; ")})`}`,
  );
  return result;
}
