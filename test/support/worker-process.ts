// A real worker process (the BullMQ workers of `npm run worker`) for tests that must kill one by pid:
// the same startSwitchboard as production, given the test app's config over the environment.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Config } from "../../server/config.ts";
import type { StartOptions } from "../../server/switchboard.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkerProcess {
  pid: number;
  /** SIGKILL: the process dies mid-job, as a crashed or OOM-killed worker does. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export type WorkerOptions = Pick<StartOptions, "outboundLockMs" | "outboundBackoffMs" | "sweepEveryMs" | "mail">;

export async function startWorkerProcess(config: Config, opts: WorkerOptions = {}): Promise<WorkerProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./worker-child.ts", import.meta.url)), [], {
    cwd: REPO_ROOT,
    execArgv: ["--import", "tsx"],
    env: { ...process.env, SB_TEST_CONFIG: JSON.stringify(config), SB_TEST_START: JSON.stringify(opts) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("worker process did not start within 30 s")), 30_000);
    child.once("message", () => (clearTimeout(timer), resolve()));
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`worker process exited with ${code}`))));
  });
  return {
    pid: child.pid!,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
