// A Redis server of the test's own, on a free port, that the test may kill and restart: never the
// machine's shared one. No persistence, so a restart comes back empty, as a Redis without AOF/RDB does.
import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "../../scripts/local-services.ts";

export interface TestRedis {
  url: string;
  port: number;
  /** Kills the server outright (SIGKILL): no clean shutdown, everything in memory is gone. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    child = proc;
    const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {}); // refused while the server is still starting: the loop below retries
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch {
          probe.disconnect();
          if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer: ${stderr}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } finally {
      probe.disconnect();
    }
  }

  async function kill(): Promise<void> {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await exited;
    child = null;
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, stop: kill };
}
