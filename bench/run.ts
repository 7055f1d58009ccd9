// `npm run bench`: runs the benchmarks against the local PostgreSQL and Redis (loopback only) and
// rewrites their sections of BENCHMARKS.md. Every load loop is bounded and stops by itself; the run
// leaves no process, database (sb_bench) or Redis key (its own prefixes) behind, also when it fails.
//
// `npm run bench -- --only chat` (or BENCH_ONLY=chat) runs one benchmark: sms-ingest (alias sms), chat
// (the chat round trip and idle sockets, and the widget bundle's size), routing (BENCH_ROUTING_* in bench/routing.ts)
// or email-ingest (alias email: mail from a Dovecot of its own into conversations), timeline (a customer's
// history paged at 100, 10,000 and 100,000 items), or search (alias customer-search: 100,000 customers and
// 2,000,000 messages searched; BENCH_SEARCH_CUSTOMERS/MESSAGES shrink it for a try), reports (a month of
// 1,000,000 conversations reported by queue, agent and channel; BENCH_REPORTS_CONVERSATIONS shrinks it), or
// board (the live board's fan-out to 50 supervisors beside 1,000 agents; BENCH_BOARD_SECONDS shortens it).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import {
  ADMIN_DATABASE_URL,
  REDIS_URL,
  acquireRunLock,
  benchDatabaseExists,
  deleteStaleBenchKeys,
  createBenchDatabase,
  deleteRedisKeys,
  dropBenchDatabase,
  newRedisPrefix,
  startAppChild,
  type AppChild,
  type RunLock,
} from "./harness.ts";
import { machineInfo, waitForQuietMachine } from "./machine.ts";
import { writeBenchmarkSection } from "./report.ts";
import { DEFAULT_OPTIONS, runSmsIngest } from "./sms-ingest.ts";
import { SECTION_ID, checkTargets, renderSmsIngestSection } from "./sms-ingest-report.ts";
import { DEFAULT_CHAT_OPTIONS, runChat } from "./chat.ts";
import { CHAT_SECTION_ID, renderChatSection, summaryLines } from "./chat-report.ts";
import { runRouting, routingOptionsFromEnv } from "./routing.ts";
import { ROUTING_SECTION_ID, renderRoutingSection, routingSummaryLines } from "./routing-report.ts";
import { DEFAULT_EMAIL_OPTIONS, runEmailIngest, startMailServers } from "./email-ingest.ts";
import { EMAIL_SECTION_ID, emailSummaryLines, renderEmailIngestSection } from "./email-ingest-report.ts";
import { DEFAULT_SEARCH_OPTIONS, runCustomerSearch } from "./customer-search.ts";
import { SEARCH_SECTION_ID, renderSearchSection, searchSummaryLines } from "./customer-search-report.ts";
import { WIDGET_SECTION_ID, measureWidgetBundle, renderWidgetSection, widgetWithinBudget } from "./widget-bundle.ts";
import { DEFAULT_TIMELINE_OPTIONS, runTimeline } from "./timeline.ts";
import { TIMELINE_SECTION_ID, renderTimelineSection, timelineSummaryLines } from "./timeline-report.ts";
import { DEFAULT_REPORTS_OPTIONS, runReports } from "./reports.ts";
import { REPORTS_SECTION_ID, renderReportsSection, reportsSummaryLines } from "./reports-report.ts";
import { DEFAULT_BOARD_OPTIONS, runBoard } from "./board.ts";
import { BOARD_SECTION_ID, boardSummaryLines, renderBoardSection } from "./board-report.ts";
const log = (line: string) => process.stdout.write(line + "\n");

const BENCHMARKS = ["sms-ingest", "chat", "routing", "email-ingest", "timeline", "search", "reports", "board"] as const;
type BenchmarkId = (typeof BENCHMARKS)[number];
const ALIASES: Record<string, BenchmarkId> = { sms: "sms-ingest", "sms-ingest": "sms-ingest", chat: "chat", widget: "chat", routing: "routing", email: "email-ingest", "email-ingest": "email-ingest", timeline: "timeline", search: "search", "customer-search": "search", reports: "reports", board: "board" };

/** `--only <id>`, `--only=<id>` or BENCH_ONLY=<id> (comma-separated for several); all when none. */
function selectedBenchmarks(): BenchmarkId[] {
  const args = process.argv.slice(2);
  let only = process.env.BENCH_ONLY ?? "";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--only") only = args[i + 1] ?? "";
    else if (args[i]!.startsWith("--only=")) only = args[i]!.slice("--only=".length);
  }
  if (!only.trim()) return [...BENCHMARKS];
  const picked = new Set<BenchmarkId>();
  for (const name of only.split(",").map((s) => s.trim()).filter(Boolean)) {
    const id = ALIASES[name];
    if (!id) throw new Error(`unknown benchmark "${name}": use one of ${Object.keys(ALIASES).join(", ")}`);
    picked.add(id);
  }
  return BENCHMARKS.filter((b) => picked.has(b));
}

/** What one benchmark holds while it runs: its app child, its helper processes, its Redis prefix. */
interface Stage {
  name: string;
  prefix: string;
  child: AppChild | null;
  helpers: Set<{ stop(): Promise<void> }>;
  tornDown: boolean;
}

/** Stops the stage's processes, drops sb_bench, deletes its Redis keys; says what is left. */
async function teardown(stage: Stage): Promise<void> {
  if (stage.tornDown) return;
  stage.tornDown = true;
  for (const h of [...stage.helpers]) await h.stop().catch((err) => log(`cleanup: stopping a helper process failed: ${(err as Error).message}`));
  stage.helpers.clear();
  await stage.child?.stop().catch((err) => log(`cleanup: stopping the app failed: ${(err as Error).message}`));
  await dropBenchDatabase().catch((err) => log(`cleanup: dropping sb_bench failed: ${(err as Error).message}`));
  const left = await deleteRedisKeys(stage.prefix).catch((err) => (log(`cleanup: Redis failed: ${(err as Error).message}`), -1));
  const dbLeft = await benchDatabaseExists().catch(() => true);
  log(`cleanup (${stage.name}): app stopped, sb_bench ${dbLeft ? "STILL PRESENT" : "dropped"}, Redis keys ${stage.prefix}:* left: ${left}`);
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const selected = selectedBenchmarks();
  const stages: Stage[] = [];
  let lock: RunLock | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (!lock) return; // never got the lock: sb_bench and the keys belong to the run that holds it
    for (const s of stages) await teardown(s);
    await lock.release();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const onCrash = (err: unknown) => {
    log(`benchmark crashed: ${(err as Error)?.stack ?? String(err)}`);
    void cleanup().finally(() => process.exit(1));
  };
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);

  const newStage = (name: string): Stage => {
    const s: Stage = { name, prefix: newRedisPrefix(), child: null, helpers: new Set(), tornDown: false };
    stages.push(s);
    return s;
  };

  let failures = 0;
  try {
    // One run at a time: a second one would drop this one's sb_bench and share its cores.
    lock = await acquireRunLock(60_000, log);
    const stale = await deleteStaleBenchKeys();
    if (stale) log(`deleted ${stale} Redis keys left by an earlier run that crashed (sbbench-*)`);

    // Each benchmark in turn; one that fails is reported and the others still run.
    const runners: Record<BenchmarkId, (stage: Stage) => Promise<void>> = {
      "sms-ingest": runSmsStage,
      chat: runChatStage,
      routing: runRoutingStage,
      "email-ingest": runEmailStage,
      timeline: runTimelineStage,
      search: runSearchStage,
      reports: runReportsStage,
      board: runBoardStage,
    };
    for (const id of selected) {
      try {
        await runners[id](newStage(id));
      } catch (err) {
        failures++;
        log(`${id} failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
    log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s${failures ? ` (${failures} benchmark${failures > 1 ? "s" : ""} failed)` : ""}`);
    return failures ? 1 : 0;
  } catch (err) {
    log(`benchmark failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

async function runSmsStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  // Other people's tests on a 2-core machine would be measured as the app's slowness: wait (bounded) for quiet.
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the run`);
  log("sms-ingest: creating sb_bench and starting the app in a child process");
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  stage.child = await startAppChild({
    BENCH_APP_DATABASE_URL: databaseUrl,
    BENCH_APP_REDIS_URL: REDIS_URL,
    BENCH_APP_REDIS_PREFIX: stage.prefix,
    LOG_LEVEL: "error",
  });
  log(`app: pid ${stage.child.pid} at ${stage.child.ready.url} (PUBLIC_URL ${stage.child.ready.publicUrl}), Redis prefix ${stage.prefix}`);
  const result = await runSmsIngest(stage.child, databaseUrl, { ...DEFAULT_OPTIONS, log });
  await teardown(stage);
  writeBenchmarkSection(SECTION_ID, renderSmsIngestSection(result, machine, quiet), machine);
  log("");
  log(`sustained: ${result.sustained ? `${result.sustained.offered} msg/s step (achieved ${result.sustained.achieved.toFixed(0)} msg/s)` : "none"}; floor ${result.floor.rowsPerSecond.toFixed(0)} rows/s`);
  for (const t of checkTargets(result)) log(`target ${t.met ? "met    " : "NOT met"}: ${t.target} — ${t.measured}`);
  log(`BENCHMARKS.md updated (section ${SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  log("");
}

async function runChatStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  const widget = await measureWidgetBundle(log);
  writeBenchmarkSection(WIDGET_SECTION_ID, renderWidgetSection(widget, machine), machine);
  log(
    widget.missing
      ? `widget: ${"dist/widget/widget.js"} missing (${widget.reason})`
      : `widget: ${widget.gzipBytes} bytes gzipped (${widget.bytes} raw), budget 60,000: ${widgetWithinBudget(widget) ? "within" : "OVER"}${widget.newerSource ? ` (stale: ${widget.newerSource.path} is newer)` : ""}`,
  );

  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the chat benchmark`);
  log("chat: creating sb_bench and starting the app in a child process (with --expose-gc)");
  const databaseUrl = await createBenchDatabase();
  stage.child = await startAppChild(
    {
      BENCH_APP_DATABASE_URL: databaseUrl,
      BENCH_APP_REDIS_URL: REDIS_URL,
      BENCH_APP_REDIS_PREFIX: stage.prefix,
      LOG_LEVEL: "error",
    },
    ["--expose-gc"],
  );
  log(`app: pid ${stage.child.pid} at ${stage.child.ready.url}, Redis prefix ${stage.prefix}`);
  const result = await runChat(stage.child, databaseUrl, { ...DEFAULT_CHAT_OPTIONS, log }, stage.helpers);
  await teardown(stage);
  writeBenchmarkSection(CHAT_SECTION_ID, renderChatSection(result, machine, quiet), machine);
  log("");
  for (const l of summaryLines(result)) log(l);
  log(`BENCHMARKS.md updated (sections ${CHAT_SECTION_ID}, ${WIDGET_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function runRoutingStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const options = routingOptionsFromEnv();
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the routing benchmark`);
  log(`routing: creating sb_bench and starting the app in a child process${options.workers ? ` (workers in ${options.workers} process(es) of their own)` : " (with its workers)"}`);
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  const sessionSecret = randomBytes(32).toString("hex");
  stage.child = await startAppChild({
    BENCH_APP_DATABASE_URL: databaseUrl,
    BENCH_APP_REDIS_URL: REDIS_URL,
    BENCH_APP_REDIS_PREFIX: stage.prefix,
    BENCH_APP_SESSION_SECRET: sessionSecret,
    BENCH_APP_RUN_WORKERS: options.workers > 0 ? "false" : "true",
    OFFER_TIMEOUT_SECONDS: String(options.offerTimeoutSeconds),
    LOG_LEVEL: process.env.BENCH_APP_LOG_LEVEL ?? "error",
  });
  log(`app: pid ${stage.child.pid} at ${stage.child.ready.url}, Redis prefix ${stage.prefix}`);
  const result = await runRouting(stage.child, databaseUrl, { redisUrl: REDIS_URL, redisPrefix: stage.prefix, sessionSecret }, { ...options, log }, stage.helpers);
  await teardown(stage);
  writeBenchmarkSection(ROUTING_SECTION_ID, renderRoutingSection(result, machine, quiet), machine);
  log("");
  for (const l of routingSummaryLines(result)) log(l);
  log(`BENCHMARKS.md updated (section ${ROUTING_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

// A normal run takes 70–140 s (most of it the product's 60 s rescan when the watcher misses a wake-up).
const EMAIL_DEADLINE_MS = 200_000;

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

async function runEmailStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the email benchmark`);
  log("email-ingest: starting a Dovecot and an SMTP peer of its own, creating sb_bench and starting the app in a child process");
  const servers = await startMailServers();
  stage.helpers.add(servers);
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  stage.child = await startAppChild({
    BENCH_APP_DATABASE_URL: databaseUrl,
    BENCH_APP_REDIS_URL: REDIS_URL,
    BENCH_APP_REDIS_PREFIX: stage.prefix,
    LOG_LEVEL: "error",
    ...servers.env,
  });
  log(`app: pid ${stage.child.pid} at ${stage.child.ready.url}, Dovecot on port ${servers.dovecot.port} (${servers.dovecot.dir}), Redis prefix ${stage.prefix}`);
  // Bounded whatever hangs (an APPEND or FETCH Dovecot never answers): the teardown then stops Dovecot and the app.
  const result = await withDeadline(runEmailIngest(stage.child, databaseUrl, servers, { ...DEFAULT_EMAIL_OPTIONS, log }), EMAIL_DEADLINE_MS, "email-ingest");
  await teardown(stage);
  const leftover = existsSync(servers.dovecot.dir);
  writeBenchmarkSection(EMAIL_SECTION_ID, renderEmailIngestSection(result, machine, quiet), machine);
  log("");
  for (const l of emailSummaryLines(result)) log(l);
  log(`Dovecot dir ${leftover ? "STILL PRESENT" : "removed"}; BENCHMARKS.md updated (section ${EMAIL_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function runTimelineStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the timeline benchmark`);
  log("timeline: creating sb_bench; the domain function runs in this process (no app child)");
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  const result = await runTimeline(databaseUrl, { ...DEFAULT_TIMELINE_OPTIONS, log });
  await teardown(stage);
  writeBenchmarkSection(TIMELINE_SECTION_ID, renderTimelineSection(result, machine, quiet), machine);
  log("");
  for (const l of timelineSummaryLines(result)) log(l);
  log(`BENCHMARKS.md updated (section ${TIMELINE_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function runSearchStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the search benchmark`);
  log("search: creating sb_bench (the domain function runs in this process: no app child)");
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  const options = {
    ...DEFAULT_SEARCH_OPTIONS,
    customers: Number(process.env.BENCH_SEARCH_CUSTOMERS ?? DEFAULT_SEARCH_OPTIONS.customers),
    messages: Number(process.env.BENCH_SEARCH_MESSAGES ?? DEFAULT_SEARCH_OPTIONS.messages),
  };
  const result = await runCustomerSearch(databaseUrl, { ...options, log });
  await teardown(stage);
  writeBenchmarkSection(SEARCH_SECTION_ID, renderSearchSection(result, machine, quiet), machine);
  log("");
  for (const l of searchSummaryLines(result)) log(l);
  log(`BENCHMARKS.md updated (section ${SEARCH_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function runReportsStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the reports benchmark`);
  log("reports: creating sb_bench (the domain function runs in this process: no app child)");
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  const conversations = Number(process.env.BENCH_REPORTS_CONVERSATIONS ?? DEFAULT_REPORTS_OPTIONS.conversations);
  const result = await runReports(databaseUrl, { ...DEFAULT_REPORTS_OPTIONS, conversations, log });
  await teardown(stage);
  writeBenchmarkSection(REPORTS_SECTION_ID, renderReportsSection(result, machine, quiet), machine);
  log("");
  for (const l of reportsSummaryLines(result)) log(l);
  log(`BENCHMARKS.md updated (section ${REPORTS_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function runBoardStage(stage: Stage): Promise<void> {
  const t0 = performance.now();
  const quiet = await waitForQuietMachine(25, 30_000, log);
  log(`machine ${quiet.busyPct.toFixed(0)}% busy before the board benchmark`);
  log("board: creating sb_bench and starting the app in a child process (its socket clients and the floor in processes of their own)");
  const databaseUrl = await createBenchDatabase();
  const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
  stage.child = await startAppChild({
    BENCH_APP_DATABASE_URL: databaseUrl,
    BENCH_APP_REDIS_URL: REDIS_URL,
    BENCH_APP_REDIS_PREFIX: stage.prefix,
    LOG_LEVEL: "error",
  });
  log(`app: pid ${stage.child.pid} at ${stage.child.ready.url}, Redis prefix ${stage.prefix}`);
  const seconds = Number(process.env.BENCH_BOARD_SECONDS ?? DEFAULT_BOARD_OPTIONS.phaseMs / 1000);
  const result = await runBoard(stage.child, databaseUrl, { url: REDIS_URL, prefix: stage.prefix }, { ...DEFAULT_BOARD_OPTIONS, phaseMs: seconds * 1000, log }, stage.helpers);
  await teardown(stage);
  writeBenchmarkSection(BOARD_SECTION_ID, renderBoardSection(result, machine, quiet), machine);
  log("");
  for (const l of boardSummaryLines(result)) log(l);
  log(`BENCHMARKS.md updated (section ${BOARD_SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(String(err));
    process.exit(1);
  },
);
