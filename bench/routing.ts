// Benchmark: routing as a contact center runs it (issue 9). A center of 10 queues and up to 1,000 agents, each
// signed in with a real session and connected to /agent; conversations arrive open loop at increasing rates and
// go through the real router (BullMQ routing jobs run by the product's workers, in the app or in worker
// processes) to the agent's socket. Figures: routing decisions per second sustained, and waiting → offer:new
// p50/p99, at 10, 100 and 1,000 agents signed in; beside the floor, the bare candidate query on the same data.
// See bench/run.ts for how it is started and BENCHMARKS.md for the figures.
//
// Every knob has an environment variable so the lead can rerun it quickly (`npm run bench -- --only routing`):
// BENCH_ROUTING_AGENTS=10,100,1000 (signed in, one phase each; the rate steps run at the largest),
// BENCH_ROUTING_RATES=250,500,1000,2000,4000, BENCH_ROUTING_SCALE_RATE=1000 (the rate of the smaller phases),
// BENCH_ROUTING_STEP_SECONDS=3, BENCH_ROUTING_WORKERS=0 (worker processes; 0 = the workers run in the app, as
// `npm start` runs them), BENCH_ROUTING_RELEASE_MS=10 (how often the agents finish the work offered).
import os from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { createQueues } from "../server/jobs/queues.ts";
import type { AppChild } from "./harness.ts";
import { startHelperChild, type HelperChild } from "./helper-child.ts";
import type { ChildReady, ProfileReport } from "./protocol.ts";
import type { AgentsReply, AgentsRequest } from "./routing-agents.ts";
import { runFloor, type FloorConversation, type FloorResult } from "./routing-floor.ts";
import { prng, seedContactCenter, setSignedIn, type Seed } from "./routing-seed.ts";
import { runStep, type StepContext, type StepResult } from "./routing-step.ts";
import type { WorkerReply, WorkerRequest } from "./routing-worker.ts";

export interface RoutingOptions {
  /** Agents signed in, one phase each, ascending; the rate steps run at the last. */
  agentCounts: number[];
  rates: number[];
  /** The rate of every phase before the last (and the rate the agent counts are compared at). */
  scaleRate: number;
  stepSeconds: number;
  /** Worker processes (`npm run worker` equivalents); 0: the app runs the workers itself. */
  workers: number;
  releaseEveryMs: number;
  customers: number;
  /** The generator's pg connections for the INSERTs, and its open-loop cap on arrivals in flight. */
  insertConnections: number;
  maxInFlight: number;
  floorQueries: number;
  floorMaxMs: number;
  /** Skip higher rates once a step decides less than this share of its offered rate. */
  giveUpBelow: number;
  /** Stop starting new steps after this much time. */
  budgetMs: number;
  offerTimeoutSeconds: number;
  /** One more step at the largest count with every SQL statement of the app timed (0 = none); not in the figures. */
  profileSeconds: number;
  log: (line: string) => void;
}

const list = (v: string | undefined, fallback: number[]) =>
  v?.trim() ? v.split(",").map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n > 0) : fallback;
const num = (v: string | undefined, fallback: number) => (v?.trim() && Number.isFinite(Number(v)) ? Number(v) : fallback);

export function routingOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<RoutingOptions, "log"> {
  return {
    agentCounts: list(env.BENCH_ROUTING_AGENTS, [10, 100, 1000]).sort((a, b) => a - b),
    rates: list(env.BENCH_ROUTING_RATES, [250, 500, 1000, 2000, 4000]),
    scaleRate: num(env.BENCH_ROUTING_SCALE_RATE, 1000),
    stepSeconds: num(env.BENCH_ROUTING_STEP_SECONDS, 3),
    workers: num(env.BENCH_ROUTING_WORKERS, 0),
    releaseEveryMs: num(env.BENCH_ROUTING_RELEASE_MS, 10),
    customers: 5000,
    insertConnections: 8,
    maxInFlight: 512,
    floorQueries: 3000,
    floorMaxMs: 3000,
    giveUpBelow: 0.6,
    budgetMs: 150_000,
    // Longer than the run: no offer's timeout job fires during it (each offer still schedules one).
    offerTimeoutSeconds: 600,
    profileSeconds: num(env.BENCH_ROUTING_PROFILE_SECONDS, 2),
  };
}

export interface PhaseResult {
  signedIn: number;
  connect: Extract<AgentsReply, { type: "connected" }>;
  steps: StepResult[];
  floor: FloorResult;
}

export interface RoutingProfile {
  rate: number;
  step: StepResult;
  report: ProfileReport;
}

export interface RoutingResult {
  options: Omit<RoutingOptions, "log">;
  app: ChildReady;
  seed: Pick<Seed, "preassigned" | "capacity" | "load"> & { agents: number; queues: number; memberships: number; customers: number };
  phases: PhaseResult[];
  skippedRates: number[];
  /** The highest-rate step that passed at the largest agent count. */
  sustained: StepResult | null;
  profile: RoutingProfile | null;
  cores: number;
}

export async function runRouting(
  child: AppChild,
  databaseUrl: string,
  env: { redisUrl: string; redisPrefix: string; sessionSecret: string },
  options: RoutingOptions,
  helpers: Set<{ stop(): Promise<void> }>,
): Promise<RoutingResult> {
  const { log } = options;
  const t0Run = performance.now();
  const random = prng(20261201);
  const checkPool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: "sb-bench-check" });
  checkPool.on("error", () => {});
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.insertConnections, application_name: "sb-bench-arrivals" });
  pool.on("error", () => {});
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const queues = createQueues(redis, env.redisPrefix);
  let agents: HelperChild<AgentsRequest, AgentsReply> | null = null;
  const track = <T extends { stop(): Promise<void> }>(h: T) => (helpers.add(h), h);
  try {
    const maxAgents = options.agentCounts[options.agentCounts.length - 1]!;
    log(`routing: seeding 10 queues, ${maxAgents} agents (1–3 queues each), ${options.customers} customers, current loads and sessions`);
    const seed = await seedContactCenter(checkPool, { agents: maxAgents, customers: options.customers, random });
    const memberships = seed.agents.reduce((n, a) => n + a.queues.length, 0);
    log(`  ${seed.preassigned} conversations already assigned (load ${seed.load} of capacity ${seed.capacity}); ${memberships} queue memberships`);

    const workerPids: number[] = [];
    for (let i = 0; i < options.workers; i++) {
      const w = track(
        await startHelperChild<WorkerRequest, WorkerReply>("routing-worker.ts", [], {
          BENCH_APP_DATABASE_URL: databaseUrl,
          BENCH_APP_REDIS_URL: env.redisUrl,
          BENCH_APP_REDIS_PREFIX: env.redisPrefix,
          BENCH_APP_SESSION_SECRET: env.sessionSecret,
          OFFER_TIMEOUT_SECONDS: String(options.offerTimeoutSeconds),
          LOG_LEVEL: "error",
        }),
      );
      workerPids.push(w.pid);
    }
    if (options.workers) log(`  ${options.workers} worker process(es): pids ${workerPids.join(", ")} (the app runs none)`);

    agents = track(await startHelperChild<AgentsRequest, AgentsReply>("routing-agents.ts"));
    await agents.request(
      { type: "setup", databaseUrl, redisUrl: env.redisUrl, redisPrefix: env.redisPrefix, releaseEveryMs: options.releaseEveryMs },
      "set-up",
      10_000,
    );
    const routed: FloorConversation[] = [];
    const ctx: StepContext = {
      child,
      agents,
      workerPids,
      pool,
      checkPool,
      queues,
      seed,
      random,
      maxInFlight: options.maxInFlight,
      drainIdleMs: 3000,
      drainMaxMs: 15_000,
      routed,
      log,
    };

    const phases: PhaseResult[] = [];
    const skippedRates: number[] = [];
    let connectedSoFar = 0;
    for (const count of options.agentCounts) {
      const connect = await agents.request(
        {
          type: "connect",
          url: child.ready.url,
          origin: new URL(child.ready.publicUrl).origin,
          agents: seed.agents.slice(connectedSoFar, count).map((a) => ({ id: a.id, token: a.token })),
          concurrency: 50,
          timeoutMs: 10_000,
        },
        "connected",
        120_000,
      );
      connectedSoFar = count;
      if (connect.open !== count) throw new Error(`only ${connect.open} of ${count} agent sockets connected: ${JSON.stringify(connect.errors)}`);
      await setSignedIn(checkPool, seed, count);
      log(`${count} agents signed in and connected (${connect.connected} new sockets in ${(connect.wallMs / 1000).toFixed(1)} s)`);

      const steps: StepResult[] = [];
      const last = count === maxAgents;
      // A short warm-up at each count (first queries on new rows, socket buffers), not reported.
      await runStep(ctx, `w${count}`, count, Math.min(250, options.scaleRate), 1);
      for (const [i, rate] of (last ? options.rates : [options.scaleRate]).entries()) {
        const previous = steps[steps.length - 1];
        // The scale rate always runs: the agent counts are compared there.
        const givenUp = previous && previous.decisionsPerSecond < options.giveUpBelow * previous.offered && rate !== options.scaleRate;
        if (givenUp || performance.now() - t0Run > options.budgetMs) {
          skippedRates.push(rate);
          continue;
        }
        steps.push(await runStep(ctx, `a${count}s${i}`, count, rate, options.stepSeconds));
        await new Promise((r) => setTimeout(r, 300));
      }
      const floor = await runFloor(databaseUrl, routed.slice(-5000), { signedIn: count, count: options.floorQueries, warmup: 200, maxMs: options.floorMaxMs });
      log(
        `  floor at ${count} agents (${floor.source}): ${floor.queriesPerSecond.toFixed(0)} queries/s on one connection, ` +
          `p50/p99 ${floor.latency.p50.toFixed(2)}/${floor.latency.p99.toFixed(2)} ms, ${floor.found} of ${floor.queries} found an agent`,
      );
      phases.push({ signedIn: count, connect, steps, floor });
    }
    // Where the time goes: every SQL statement of the app (and its in-process workers) timed, below saturation.
    let profile: RoutingProfile | null = null;
    if (options.profileSeconds > 0) {
      const rate = Math.min(...options.rates);
      log(`profile: ${rate}/s for ${options.profileSeconds} s with the app's SQL timed (not part of the figures above)`);
      await child.profileOn();
      const step = await runStep(ctx, "p", maxAgents, rate, options.profileSeconds);
      const report = await child.profileOff();
      report.messages = step.delivered;
      for (const q of report.queries.slice(0, 6)) log(`  ${q.calls} × ${q.meanMs.toFixed(2)} ms (p99 ${q.p99Ms.toFixed(1)})  ${q.label}`);
      profile = { rate, step, report };
    }
    const top = phases[phases.length - 1]!.steps.filter((s) => s.passed);
    const sustained = top.length ? top.reduce((a, b) => (b.offered > a.offered ? b : a)) : null;
    return {
      options: (({ log: _l, ...rest }) => rest)(options),
      app: child.ready,
      seed: { preassigned: seed.preassigned, capacity: seed.capacity, load: seed.load, agents: maxAgents, queues: seed.queueIds.length, memberships, customers: seed.customers.length },
      phases,
      skippedRates,
      sustained,
      profile,
      cores: os.availableParallelism(),
    };
  } finally {
    if (agents) {
      await agents.stop().catch(() => {});
      helpers.delete(agents);
    }
    await queues.close().catch(() => {});
    redis.disconnect();
    await pool.end().catch(() => {});
    await checkPool.end().catch(() => {});
  }
}
