// `npm run agent -- create EMAIL NAME ROLE` and `npm run agent -- reset-password EMAIL`: the operator's
// way in when nobody can sign in (the demo passwords are printed only once). The new password is
// printed once. Uses DATABASE_URL, or the embedded PostgreSQL of `npm start` under .data/ (the running
// one when npm start is up, otherwise it starts it for the moment).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { z } from "zod";
import { AgentRole } from "../shared/domain.ts";
import { AppError } from "../server/errors.ts";
import { createDb, type Db } from "../server/db/client.ts";
import { createAgentAccount, resetPassword } from "../server/domain/auth/manage-accounts.ts";
import type { EventPublisher } from "../server/domain/events.ts";
import { createEventPublisher } from "../server/realtime/event-bus.ts";
import { startEmbeddedPostgres, StartError } from "./local-services.ts";

const USAGE = "usage: npm run agent -- create EMAIL NAME ROLE   (ROLE: agent, supervisor or admin)\n       npm run agent -- reset-password EMAIL";
const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = process.env.SWITCHBOARD_DATA_DIR ?? join(root, ".data");
const Email = z.string().trim().toLowerCase().email();

async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const pgDir = join(dataDir, "postgres");
  if (!existsSync(join(pgDir, "PG_VERSION"))) throw new StartError(`No database: set DATABASE_URL, or run npm start once to create ${pgDir}`);
  // npm start is running: its postmaster.pid names the port (4th line).
  const pidFile = join(pgDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const port = Number(readFileSync(pidFile, "utf8").split("\n")[3]);
    if (port > 0) return { url: `postgres://postgres:switchboard@127.0.0.1:${port}/switchboard`, stop: async () => {} };
  }
  return startEmbeddedPostgres(dataDir);
}

/** Open sockets of a reset account close at once when Redis is reachable; otherwise at their next sign-in check. */
function sessionEvents(): { events: EventPublisher; close(): void } {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  redis.on("error", () => {}); // reported below, once, if the publish fails
  const publisher = createEventPublisher(redis, process.env.REDIS_PREFIX ?? "sb");
  return {
    events: {
      async publish(...events) {
        await publisher.publish(...events).catch((err) => console.error(`note: could not tell the servers through Redis (${(err as Error).message}); open sockets close when they next reconnect`));
      },
    },
    close: () => redis.disconnect(),
  };
}

async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === "create" && rest.length === 3) {
    const email = Email.safeParse(rest[0]);
    const role = AgentRole.safeParse(rest[2]);
    if (!email.success || !role.success || !rest[1]!.trim()) throw new StartError(USAGE);
    await withDb(async ({ prisma }) => {
      const { agent, password } = await createAgentAccount({ prisma }, { email: email.data, name: rest[1]!.trim(), role: role.data });
      console.log(`Created ${agent.role} ${agent.email}. Password (shown only this once): ${password}`);
    });
    return;
  }
  if (command === "reset-password" && rest.length === 1) {
    const email = Email.safeParse(rest[0]);
    if (!email.success) throw new StartError(USAGE);
    await withDb(async ({ prisma }) => {
      const bus = sessionEvents();
      try {
        const { agent, password } = await resetPassword({ prisma, events: bus.events }, { email: email.data });
        console.log(`New password for ${agent.email} (shown only this once; their sessions are ended): ${password}`);
      } finally {
        bus.close();
      }
    });
    return;
  }
  throw new StartError(USAGE);
}

async function withDb(fn: (db: Db) => Promise<void>): Promise<void> {
  const location = await database();
  const db = createDb(location.url, { max: 2 });
  try {
    await fn(db);
  } finally {
    await db.close();
    await location.stop();
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof StartError || err instanceof AppError ? err.message : err);
  process.exit(1);
});
