// A worker process for the routing benchmark: what `npm run worker` starts (startSwitchboard with the BullMQ
// workers and no HTTP), against the benchmark's database and Redis prefix. Started by bench/routing.ts through
// bench/helper-child.ts when BENCH_ROUTING_WORKERS > 0 (the app then runs no workers of its own); exits when
// its parent goes away.
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard } from "../server/switchboard.ts";

export type WorkerRequest = { type: "close" };
export type WorkerReply = { type: "ready" } | { type: "closed" };

const send = (msg: WorkerReply) => process.send?.(msg);

const config = loadConfig({
  PORT: "0",
  DATABASE_URL: process.env.BENCH_APP_DATABASE_URL,
  REDIS_URL: process.env.BENCH_APP_REDIS_URL,
  REDIS_PREFIX: process.env.BENCH_APP_REDIS_PREFIX,
  SESSION_SECRET: process.env.BENCH_APP_SESSION_SECRET,
  OFFER_TIMEOUT_SECONDS: process.env.OFFER_TIMEOUT_SECONDS,
  PUBLIC_URL: "https://switchboard.bench.example",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
});
const sb = await startSwitchboard({ config, log: createLogger(config.logLevel), serveHttp: false, runWorkers: true, dbPoolSize: Number(process.env.BENCH_DB_POOL_SIZE ?? 20) });

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  await sb.close().catch(() => {});
  send({ type: "closed" });
  process.exit(0);
};
process.on("message", (msg: WorkerRequest) => {
  if (msg.type === "close") void close();
});
process.on("disconnect", () => void close());
send({ type: "ready" });
