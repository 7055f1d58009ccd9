// A PostgreSQL cluster of the test's own, in a temp dir, on a free port, that the test may stop and start
// again: never the machine's shared one. Postgres refuses to run as root, so under root the cluster
// belongs to the `postgres` user and its processes run as that user. Stopped by the postmaster's pid only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../../scripts/local-services.ts";

export interface TestPostgres {
  /** The URL of its `switchboard` database. */
  url: string;
  /** Fast shutdown (SIGINT to the postmaster): open connections are cut, as when the server goes away. */
  stop(): Promise<void>;
  /** Starts the same cluster again; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

function postgresBinDir(): string {
  if (process.env.TEST_POSTGRES_BIN) return process.env.TEST_POSTGRES_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("no PostgreSQL server binaries found: apt-get install postgresql, or set TEST_POSTGRES_BIN");
  return join(root, newest, "bin");
}

/** Under root: the uid and gid of the `postgres` user, whom the cluster belongs to. */
function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), "switchboard-pg-"));
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, "data");
  const init = spawnSync(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
    ...(user ?? {}),
    encoding: "utf8",
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    // fsync off: the test's data is thrown away, and a commit must not wait for the disk.
    const args = ["-D", dataDir, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off"];
    const proc = spawn(join(bin, "postgres"), args, { ...(user ?? {}), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    child = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
      const client = new pg.Client({ connectionString: adminUrl });
      client.on("error", () => {}); // a refused connection while it starts: the loop tries again
      try {
        await client.connect();
        await client.query("SELECT 1");
        await client.end();
        return;
      } catch {
        await client.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`postgres on port ${port} did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async function stop(): Promise<void> {
    if (child && child.exitCode === null) child.kill("SIGINT");
    await exited;
    child = null;
  }

  await start();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE switchboard");
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/switchboard`,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
