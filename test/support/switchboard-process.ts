// Starts Switchboard as real child processes (servers and workers) on one database and one Redis, as a
// deployment with several runs them. Each child is stopped by its own pid: SIGTERM, then SIGKILL.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { StartOptions } from "../../server/switchboard.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./switchboard-child.ts", import.meta.url));

export interface SwitchboardProcess {
  pid: number;
  /** http://127.0.0.1:<port> for a server; "" for a worker process. */
  url: string;
  stop(timeoutMs?: number): Promise<void>;
}

export async function startSwitchboardProcess(opts: {
  env: Record<string, string>;
  redisPrefix: string;
  start: Omit<StartOptions, "config" | "log">;
}): Promise<SwitchboardProcess> {
  const child: ChildProcess = fork(CHILD, [], {
    cwd: REPO_ROOT,
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...opts.env, SWITCHBOARD_TEST_REDIS_PREFIX: opts.redisPrefix, SWITCHBOARD_TEST_START: JSON.stringify(opts.start) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("switchboard process did not start within 30 s")), 30_000);
    child.once("message", (m: { type: string; port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`switchboard process exited with ${code} before it was ready`));
    });
  }).catch(async (err) => {
    if (child.exitCode === null) child.kill("SIGKILL");
    throw err;
  });
  return {
    pid: child.pid!,
    url: opts.start.serveHttp === false ? "" : `http://127.0.0.1:${port}`,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
