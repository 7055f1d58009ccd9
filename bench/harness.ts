// What every benchmark needs around the product: its own fresh database, its own Redis prefix,
// the app in a child process (so the load generator does not steal the server's event loop), and a
// cleanup that leaves no process, database or Redis key behind.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { io as connectSocket, type Socket } from "socket.io-client";
import { runMigrations } from "../server/db/migrate.ts";
import { AGENT_NAMESPACE, type AgentClientToServer, type AgentServerToClient } from "../shared/events.ts";
import { createAgent, TEST_PASSWORD } from "../test/support/factories.ts";
import type { ChildReply, ChildRequest, ChildReady, MemoryReport, WindowStats, ProfileReport } from "./protocol.ts";

export const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
export const BENCH_DATABASE = "sb_bench";
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  c.on("error", () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Drops any leftover sb_bench, creates it fresh and migrates it. */
export async function createBenchDatabase(): Promise<string> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  });
  const url = databaseUrl(BENCH_DATABASE);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  try {
    await runMigrations(pool);
  } finally {
    await pool.end();
  }
  return url;
}

export async function dropBenchDatabase(): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`));
}

export async function benchDatabaseExists(): Promise<boolean> {
  return admin(async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [BENCH_DATABASE])).rowCount === 1);
}

const RUN_LOCK = 727_400; // pg advisory lock key: one benchmark run at a time on this PostgreSQL

export interface RunLock {
  release(): Promise<void>;
}

/**
 * Takes the machine-wide benchmark lock (a session advisory lock on the admin database), waiting at most
 * maxWaitMs for a run already going: two runs would drop each other's sb_bench and fight for the 2 cores.
 * The lock dies with its connection, so a crashed run never leaves it held.
 */
export async function acquireRunLock(maxWaitMs: number, log: (l: string) => void): Promise<RunLock> {
  const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  c.on("error", () => {});
  await c.connect();
  const t0 = performance.now();
  for (;;) {
    const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [RUN_LOCK]);
    if (rows[0]?.ok) break;
    if (performance.now() - t0 > maxWaitMs) {
      await c.end();
      throw new Error(`another benchmark run holds the lock (pg advisory lock ${RUN_LOCK}) for more than ${maxWaitMs / 1000} s`);
    }
    log("another benchmark run is going; waiting for it to finish");
    await new Promise((r) => setTimeout(r, 5000));
  }
  return { release: () => c.end().catch(() => {}) };
}

/** Keys of earlier runs that crashed before their cleanup (only call while holding the run lock). */
export async function deleteStaleBenchKeys(): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  let n = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", "sbbench-*:*", "COUNT", 1000);
      cursor = next;
      n += keys.length;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return n;
}

export function newRedisPrefix(): string {
  return `sbbench-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under `${prefix}:`; returns how many were left after (0 when clean). */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    const scan = async (del: boolean): Promise<number> => {
      let cursor = "0";
      let n = 0;
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        n += keys.length;
        if (del && keys.length) await redis.del(...keys);
      } while (cursor !== "0");
      return n;
    };
    await scan(true);
    return await scan(false);
  } finally {
    redis.disconnect();
  }
}

export interface AppChild {
  pid: number;
  ready: ChildReady;
  request<T extends ChildReply["type"]>(req: ChildRequest, expect: T): Promise<Extract<ChildReply, { type: T }>>;
  windowStart(): Promise<void>;
  windowEnd(): Promise<WindowStats>;
  profileOn(): Promise<void>;
  profileOff(): Promise<ProfileReport>;
  /** The app's memory, after a full GC when asked and the child has --expose-gc. */
  memory(gc: boolean): Promise<MemoryReport>;
  /** Asks the app to close; kills this one child by pid if it has not exited within the timeout. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts bench/app-server.ts under tsx in a child process and waits for its URL.
 * nodeFlags: extra Node flags for the child (e.g. --expose-gc, so memory can be read after a full GC).
 */
export async function startAppChild(env: Record<string, string>, nodeFlags: string[] = []): Promise<AppChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./app-server.ts", import.meta.url)), [], {
    cwd: REPO_ROOT,
    // BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of the app, written there when it exits (diagnosis only).
    execArgv: ["--import", "tsx", ...nodeFlags, ...(process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [])],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const waiters: { type: string; resolve: (r: ChildReply) => void; reject: (e: Error) => void }[] = [];
  child.on("message", (msg: ChildReply) => {
    const i = waiters.findIndex((w) => w.type === msg.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
  });
  void exitPromise.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`app child exited while waiting for ${w.type}`));
  });
  const waitFor = <T extends ChildReply["type"]>(type: T, timeoutMs = 60_000) =>
    new Promise<Extract<ChildReply, { type: T }>>((resolve, reject) => {
      if (exited) return reject(new Error(`app child has exited (waiting for ${type})`));
      const timer = setTimeout(() => reject(new Error(`app child did not answer ${type} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({
        type,
        resolve: (r) => (clearTimeout(timer), resolve(r as Extract<ChildReply, { type: T }>)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });

  const ready = await waitFor("ready");
  const request = <T extends ChildReply["type"]>(req: ChildRequest, expect: T) => {
    const p = waitFor(expect);
    child.send(req);
    return p;
  };
  return {
    pid: child.pid!,
    ready,
    request,
    windowStart: async () => void (await request({ type: "window:start" }, "window:started")),
    windowEnd: async () => (await request({ type: "window:end" }, "window:stats")).stats,
    profileOn: async () => void (await request({ type: "profile:on" }, "profile:started")),
    profileOff: async () => (await request({ type: "profile:off" }, "profile:report")).report,
    memory: async (gc: boolean) => (await request({ type: "memory", gc }, "memory:report")).memory,
    async stop(timeoutMs = 15_000) {
      if (exited) return;
      if (child.connected) child.send({ type: "close" } satisfies ChildRequest);
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, timeoutMs);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

/** A supervisor signed in over HTTP with a socket on /agent (websocket), as a workspace would be: the benches' observer. */
export async function supervisorSocket(app: { url: string; publicUrl: string }, pool: pg.Pool): Promise<Socket<AgentServerToClient, AgentClientToServer>> {
  const supervisor = await createAgent(pool, { role: "supervisor", email: "bench-supervisor@example.test", name: "Bench Supervisor" });
  const login = await fetch(`${app.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: supervisor.email, password: TEST_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`supervisor login failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error("login answered no session cookie");
  const s: Socket<AgentServerToClient, AgentClientToServer> = connectSocket(app.url + AGENT_NAMESPACE, {
    extraHeaders: { cookie, origin: new URL(app.publicUrl).origin },
    transports: ["websocket"],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("agent socket did not connect within 10 s")), 10_000);
    s.once("connect", () => (clearTimeout(timer), resolve()));
    s.once("connect_error", (err) => (clearTimeout(timer), reject(err)));
  });
  return s;
}
