// `npm run bench`: runs the benchmarks against the local PostgreSQL and Redis (loopback only) and
// rewrites their sections of BENCHMARKS.md. Every load loop is bounded and stops by itself; the run
// leaves no process, database (sb_bench) or Redis key (its own prefix) behind, also when it fails.
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

const log = (line: string) => process.stdout.write(line + "\n");

async function main(): Promise<number> {
  const t0 = performance.now();
  const prefix = newRedisPrefix();
  let child: AppChild | null = null;
  let lock: RunLock | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (!lock) return; // never got the lock: sb_bench and the keys belong to the run that holds it
    await child?.stop().catch((err) => log(`cleanup: stopping the app failed: ${(err as Error).message}`));
    await dropBenchDatabase().catch((err) => log(`cleanup: dropping sb_bench failed: ${(err as Error).message}`));
    const left = await deleteRedisKeys(prefix).catch((err) => (log(`cleanup: Redis failed: ${(err as Error).message}`), -1));
    const dbLeft = await benchDatabaseExists().catch(() => true);
    log(`cleanup: app stopped, sb_bench ${dbLeft ? "STILL PRESENT" : "dropped"}, Redis keys ${prefix}:* left: ${left}`);
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

  try {
    // One run at a time: a second one would drop this one's sb_bench and share its cores.
    lock = await acquireRunLock(60_000, log);
    const stale = await deleteStaleBenchKeys();
    if (stale) log(`deleted ${stale} Redis keys left by an earlier run that crashed (sbbench-*)`);
    // Other people's tests on a 2-core machine would be measured as the app's slowness: wait (bounded) for quiet.
    const quiet = await waitForQuietMachine(25, 30_000, log);
    log(`machine ${quiet.busyPct.toFixed(0)}% busy before the run`);
    log("sms-ingest: creating sb_bench and starting the app in a child process");
    const databaseUrl = await createBenchDatabase();
    const machine = await machineInfo(ADMIN_DATABASE_URL, REDIS_URL);
    child = await startAppChild({
      BENCH_APP_DATABASE_URL: databaseUrl,
      BENCH_APP_REDIS_URL: REDIS_URL,
      BENCH_APP_REDIS_PREFIX: prefix,
      LOG_LEVEL: "error",
    });
    log(`app: pid ${child.pid} at ${child.ready.url} (PUBLIC_URL ${child.ready.publicUrl}), Redis prefix ${prefix}`);
    const result = await runSmsIngest(child, databaseUrl, { ...DEFAULT_OPTIONS, log });
    await cleanup();
    writeBenchmarkSection(SECTION_ID, renderSmsIngestSection(result, machine, quiet), machine);
    log("");
    log(`sustained: ${result.sustained ? `${result.sustained.offered} msg/s step (achieved ${result.sustained.achieved.toFixed(0)} msg/s)` : "none"}; floor ${result.floor.rowsPerSecond.toFixed(0)} rows/s`);
    for (const t of checkTargets(result)) log(`target ${t.met ? "met    " : "NOT met"}: ${t.target} — ${t.measured}`);
    log(`BENCHMARKS.md updated (section ${SECTION_ID}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return 0;
  } catch (err) {
    log(`benchmark failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(String(err));
    process.exit(1);
  },
);
