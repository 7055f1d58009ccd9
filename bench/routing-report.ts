// The BENCHMARKS.md section of the routing benchmark, written from one run's results.
import type { MachineInfo } from "./machine.ts";
import type { PhaseResult, RoutingResult } from "./routing.ts";
import type { StepResult } from "./routing-step.ts";
import { fmt } from "./stats.ts";

export const ROUTING_SECTION_ID = "routing";

export const ROUTING_TARGETS = { decisionsPerSecond: 2000, p99MsAtHalf: 10, flatWithin: 1.5 };

interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** The step at the rate the agent counts are compared at (the scale rate). */
function comparisonStep(p: PhaseResult, rate: number): StepResult | undefined {
  return p.steps.find((s) => s.offered === rate);
}

export function checkRoutingTargets(r: RoutingResult): TargetCheck[] {
  const top = r.phases[r.phases.length - 1]!;
  const half = ROUTING_TARGETS.decisionsPerSecond / 2;
  const atHalf = top.steps.find((s) => s.offered === half);
  const first = comparisonStep(r.phases[0]!, r.options.scaleRate);
  const last = comparisonStep(top, r.options.scaleRate);
  const flat = !!first && !!last && first.passed && last.passed && last.latency.p99 <= ROUTING_TARGETS.flatWithin * first.latency.p99 && last.latency.p50 <= ROUTING_TARGETS.flatWithin * first.latency.p50;
  return [
    {
      target: `≥ ${fmt(ROUTING_TARGETS.decisionsPerSecond)} routing decisions/s sustained (${fmt(top.signedIn)} agents)`,
      measured: r.sustained ? `${fmt(r.sustained.offered)}/s step passed (${fmt(r.sustained.decisionsPerSecond)} decisions/s)` : "no step passed",
      met: !!r.sustained && r.sustained.offered >= ROUTING_TARGETS.decisionsPerSecond,
    },
    {
      target: `waiting → offer:new p99 < ${ROUTING_TARGETS.p99MsAtHalf} ms at ${fmt(half)}/s`,
      measured: atHalf ? `${fmt(atHalf.latency.p99, 1)} ms${atHalf.passed ? "" : " (step not sustained)"}` : `${fmt(half)}/s step not run`,
      met: !!atHalf && atHalf.passed && atHalf.latency.p99 < ROUTING_TARGETS.p99MsAtHalf,
    },
    {
      target: `latency flat from ${fmt(r.phases[0]!.signedIn)} to ${fmt(top.signedIn)} agents (p50 and p99 within ${ROUTING_TARGETS.flatWithin}× at ${fmt(r.options.scaleRate)}/s)`,
      measured: first && last ? `p50 ${fmt(first.latency.p50, 1)} → ${fmt(last.latency.p50, 1)} ms, p99 ${fmt(first.latency.p99, 1)} → ${fmt(last.latency.p99, 1)} ms` : "not measured",
      met: flat,
    },
  ];
}

const yes = (b: boolean) => (b ? "**yes**" : "**no**");
const ms = (a: number, b: number) => `${fmt(a, 1)} / ${fmt(b, 1)}`;

function stepRow(s: StepResult): string {
  const verdict = s.passed ? "pass" : `fail: ${s.failReasons.join("; ")}`;
  return `| ${fmt(s.signedIn)} | ${fmt(s.offered)} | ${fmt(s.sent)} | ${fmt(s.arrivalsPerSecond)} | ${fmt(s.decisionsPerSecond)} | ${ms(s.latency.p50, s.latency.p99)} | ${fmt(s.latency.max, 1)} | ${ms(s.insert.p50, s.insert.p99)} | ${fmt(s.delivered)} of ${fmt(s.sent - s.insertErrors)} | ${fmt(s.duplicates + s.misdelivered)} | ${fmt(s.overCapacity)} | ${verdict} |`;
}

function cpuRow(s: StepResult): string {
  const c = s.cpu;
  const perDecision = (pct: number) => (s.delivered ? fmt(((pct / 100) * c.wallMs) / s.delivered, 2) : "–");
  return `| ${fmt(s.signedIn)} | ${fmt(s.offered)} | ${perDecision(c.appPct + s.workersPct)} / ${perDecision(c.postgresBenchPct)} | ${fmt(c.appPct)}% | ${fmt(s.workersPct)}% | ${fmt(c.postgresPct)}% | ${fmt(c.redisPct)}% | ${fmt(s.agentsPct)}% | ${fmt(c.loadGeneratorPct)}% | ${fmt(c.otherPct)}% | ${fmt(c.machineBusyPct)}% | ${ms(s.app.eventLoopDelayMs.p50, s.app.eventLoopDelayMs.p99)} | ${fmt(s.app.poolWaiting.mean, 1)} / ${fmt(s.app.poolWaiting.max)} | ${fmt(s.releaseMeanMs, 2)} |`;
}

function profileLines(r: RoutingResult): string[] {
  const p = r.profile;
  const top = r.phases[r.phases.length - 1]!;
  const plan = top.floor.plan;
  const out: string[] = [];
  if (p) {
    out.push(
      `### Where the app's SQL time went (one more step at ${fmt(p.rate)}/s, ${fmt(top.signedIn)} agents, every statement of the app and its in-process workers timed; not part of the figures above)`,
      "",
      `${fmt(p.step.delivered)} decisions at ${fmt(p.step.decisionsPerSecond)}/s, waiting → offer:new p50 / p99 ${ms(p.step.latency.p50, p.step.latency.p99)} ms; transactions ${fmt(p.report.transaction.calls)} (BEGIN → COMMIT mean ${fmt(p.report.transaction.meanMs, 2)} ms, p99 ${fmt(p.report.transaction.p99Ms, 1)}); pool checkout mean ${fmt(p.report.poolConnect.meanMs, 2)} ms.${r.options.workers ? " The workers ran in their own processes, so their statements are not in this table." : ""}`,
      "",
      "| statement (first 90 characters) | calls | per decision | mean ms | p99 ms |",
      "| --- | --- | --- | --- | --- |",
      ...p.report.queries.slice(0, 10).map((q) => `| \`${q.label.replace(/\|/g, "\\|")}\` | ${fmt(q.calls)} | ${p.step.delivered ? fmt(q.calls / p.step.delivered, 2) : "–"} | ${fmt(q.meanMs, 2)} | ${fmt(q.p99Ms, 1)} |`),
      "",
    );
  }
  if (p) {
    const pulls = p.report.queries.find((q) => q.label.startsWith("SELECT 1 FROM agent_loads WHERE agent_id"))?.calls ?? 0;
    const candidates = p.report.queries.find((q) => q.label.startsWith("SELECT l.agent_id AS id FROM queue_members"))?.calls ?? 0;
    out.push(
      `Which path made the offers: the candidate query (\`routeConversation\`, the floor's query) ran ${fmt(candidates)} times and \`offerWorkToAgent\` (a freed agent pulls the earliest-due conversation it may take; its job has no priority, so BullMQ runs it before the conversations' own routing jobs) ${fmt(pulls)} times, for ${fmt(p.step.delivered)} offers.`,
      "",
    );
  }
  if (plan.length) {
    out.push(`The floor's query as the planner ran it at the end (${fmt(top.signedIn)} agents, EXPLAIN ANALYZE):`, "", "```", ...plan, "```", "");
  }
  return out;
}

const pct = (share: number) => `${fmt(share * 100)}%`;

function backendRow(s: StepResult): string {
  const b = s.backends;
  const waits = b.topWaits.map((w) => `${w.event} ${pct(w.share)}`).join(", ") || "–";
  return `| ${fmt(s.signedIn)} | ${fmt(s.offered)} | ${fmt(b.backends, 1)} | ${pct(b.running)} | ${pct(b.waitingForAppInTransaction)} | ${pct(b.lockWait)} | ${pct(b.walOrIo)} | ${pct(b.idle)} | ${waits} |`;
}

export function renderRoutingSection(r: RoutingResult, m: MachineInfo, quiet: { busyPct: number }): string {
  const o = r.options;
  const top = r.phases[r.phases.length - 1]!;
  const workers = o.workers ? `${o.workers} worker process(es) of their own (\`bench/routing-worker.ts\`: \`startSwitchboard\` with workers and no HTTP, as \`npm run worker\` starts it; the app runs none)` : "the app process (as `npm start` runs them)";
  const lines: string[] = [
    `## Routing: waiting conversation → router → agent's socket (issue 9)`,
    "",
    `Measured ${m.date} on ${m.nproc} × ${m.cpuModel}, ${fmt(m.memoryGiB, 1)} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}. The machine was ${fmt(quiet.busyPct)}% busy with other work just before the run; the "other" column below shows what else ran during each step. Rerun only this: \`npm run bench -- --only routing\` (knobs: BENCH_ROUTING_AGENTS, _RATES, _SCALE_RATE, _STEP_SECONDS, _WORKERS, _RELEASE_MS; see bench/routing.ts).`,
    "",
    `**How.** A fresh \`sb_bench\` gets a center written through the product's tables and triggers (\`bench/routing-seed.ts\`): ${r.seed.queues} queues with required skills (one with none), ${fmt(r.seed.agents)} agents each a member of 1–3 queues (${fmt(r.seed.memberships)} \`queue_members\` rows, levels 1–10) with their queues' skills and sometimes one more, capacities chat 1–6, SMS 2–10, email 3–15, and current loads: ${fmt(r.seed.preassigned)} conversations already assigned (load ${fmt(r.seed.load)} of ${fmt(r.seed.capacity)} in \`agent_loads\`, kept by the triggers); ${fmt(r.seed.customers)} customers, 10% platinum, 20% gold. Each agent has a session made as \`login()\` makes it (a random token, its SHA-256 in \`sessions\`; no password hashed) and, when signed in, presence \`available\` and a socket.io-client on \`/agent\` with that cookie and the workspace's Origin (websocket), in a process of their own (\`bench/routing-agents.ts\`). The app runs in a child process (\`bench/app-server.ts\`: HTTP, socket.io, pg pool ${r.app.dbPoolSize}); the routing workers run in ${workers}, 4 routing jobs at a time per process (the product's ROUTING_CONCURRENCY). Phases at ${r.phases.map((p) => fmt(p.signedIn)).join(", ")} agents signed in (the others offline); each phase opens with a 1 s warm-up at 250/s (not reported), the smaller ones then run one step at ${fmt(o.scaleRate)}/s, the last runs the rate steps ${o.rates.map((x) => fmt(x)).join(", ")}/s of ${o.stepSeconds} s each. The generator (\`bench/run.ts\`, parent process) is open loop: each conversation at its time, whatever the answers (at most ${o.maxInFlight} in flight, more are shed): a random queue, channel (chat 50%, SMS 30%, email 20%) and customer; one \`INSERT INTO conversations\` as waiting (status 'queued', waiting_since now(), the queue; the due-time trigger sets due_at from the tier's target) on a pool of ${o.insertConnections}, then \`queues.routeConversation(id, priority)\` with the priority the trigger set, as ingest does. **Latency** is the INSERT's commit acknowledged → \`offer:new\` received by the agent's socket (both wall clocks of this machine, sub-millisecond). **Decisions per second**: offers delivered ÷ (first commit → last delivery). **The agents finish their work** so capacity comes back: every ${o.releaseEveryMs} ms the agents' process accepts and resolves the offers received meanwhile, one statement per offer on 3 connections with synchronous_commit off (they stand in for people, not for the product; the rows \`acceptOffer\` and \`resolveConversation\` change, without their timeline messages and events; the triggers lower \`agent_loads\`) and hands each freed agent to the router as \`resolveConversation\` does (\`queues.agentMayTakeWork\`, a routing job of its own). OFFER_TIMEOUT_SECONDS=${o.offerTimeoutSeconds}: each offer still schedules its timeout job, none fires during the run. A step is sustained when every conversation was offered once, to the socket of the agent the offer names, no agent went over capacity, nothing was shed, and it decided ≥ 95% of the offered rate. **Floor:** the router's bare candidate query (${top.floor.source}) on the same data in the same run, after each phase with that phase's agents signed in, one query at a time on one connection (a prepared statement, 200 warm-up queries), with the parameters of conversations the steps routed.`,
    "",
    "### Result beside the floor",
    "",
    `| agents signed in | decisions/s (offered ${fmt(o.scaleRate)}/s) | waiting → offer:new p50 / p99 ms | floor: candidate query p50 / p99 ms (one connection) | floor queries/s | floor found an agent |`,
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const p of r.phases) {
    const s = comparisonStep(p, o.scaleRate);
    lines.push(
      `| ${fmt(p.signedIn)} | ${s ? `${fmt(s.decisionsPerSecond)}${s.passed ? "" : " (not sustained)"}` : "not run"} | ${s ? ms(s.latency.p50, s.latency.p99) : "–"} | ${fmt(p.floor.latency.p50, 2)} / ${fmt(p.floor.latency.p99, 2)} | ${fmt(p.floor.queriesPerSecond)} | ${fmt(p.floor.found)} of ${fmt(p.floor.queries)} |`,
    );
  }
  lines.push(
    "",
    r.sustained
      ? `Sustained at ${fmt(top.signedIn)} agents: the ${fmt(r.sustained.offered)}/s step, ${fmt(r.sustained.decisionsPerSecond)} decisions/s, against ${fmt(top.floor.queriesPerSecond)} bare candidate queries/s on one connection (${fmt((100 * r.sustained.decisionsPerSecond) / top.floor.queriesPerSecond, 1)}%).`
      : `No step was sustained at ${fmt(top.signedIn)} agents.`,
    "",
    "### Targets (this 2-core machine)",
    "",
    "| target | measured | met |",
    "| --- | --- | --- |",
    ...checkRoutingTargets(r).map((t) => `| ${t.target} | ${t.measured} | ${yes(t.met)} |`),
    "",
    "### Steps",
    "",
    "| agents | offered /s | arrivals | arrived /s | decided /s | waiting → offer:new p50 / p99 ms | max ms | INSERT p50 / p99 ms | offered once | doubled or misdelivered | agents over capacity | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.phases.flatMap((p) => p.steps.map(stepRow)),
    ...r.skippedRates.map((x) => `| ${fmt(top.signedIn)} | ${fmt(x)} | – | – | – | – | – | – | – | – | – | not run (the step before decided < ${fmt(o.giveUpBelow * 100)}% of its rate, or time budget spent) |`),
    "",
    "### Where the CPU went (per step; 100% = one core)",
    "",
    "| agents | offered /s | CPU ms per decision: app + workers / sb_bench's Postgres backends | app process | worker processes | PostgreSQL | Redis | agents' process | generator | other | machine busy | app event-loop delay p50 / p99 ms | app pg pool waiting mean / max | release statement mean ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.phases.flatMap((p) => p.steps.map(cpuRow)),
    "",
    ...profileLines(r),
    "### What sb_bench's Postgres connections were doing (app, workers, generator and agents; pg_stat_activity every 20 ms; share of backend samples)",
    "",
    "| agents | offered /s | connections (mean) | running a statement | idle in transaction | lock wait | WAL / IO / LWLock wait | idle | most frequent waits |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.phases.flatMap((p) => p.steps.map(backendRow)),
  );
  return lines.join("\n");
}

export function routingSummaryLines(r: RoutingResult): string[] {
  const out = r.phases.map((p) => {
    const s = comparisonStep(p, r.options.scaleRate);
    return `routing at ${p.signedIn} agents: ${s ? `${s.decisionsPerSecond.toFixed(0)} decisions/s at ${s.offered}/s, p50/p99 ${s.latency.p50.toFixed(1)}/${s.latency.p99.toFixed(1)} ms` : "no step"}; floor ${p.floor.queriesPerSecond.toFixed(0)} q/s, p50/p99 ${p.floor.latency.p50.toFixed(2)}/${p.floor.latency.p99.toFixed(2)} ms`;
  });
  out.push(`sustained: ${r.sustained ? `${r.sustained.offered}/s step (${r.sustained.decisionsPerSecond.toFixed(0)} decisions/s)` : "none"}`);
  for (const t of checkRoutingTargets(r)) out.push(`target ${t.met ? "met    " : "NOT met"}: ${t.target} — ${t.measured}`);
  return out;
}
