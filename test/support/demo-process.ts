// `npm run demo` as a newcomer runs it, as a child process: its own data folder (embedded PostgreSQL),
// its own ports and Redis prefix; the start log parsed for the URLs and logins it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/local-services.ts";
import { TEST_REDIS_URL } from "./env.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface DemoProcess {
  child: ChildProcess;
  output(): string;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  workspaceUrl: string;
  pagesUrl: string;
  logins: { role: string; email: string; password: string }[];
  /** SIGTERM, then the exit code; removes the data folder. */
  stop(): Promise<number | null>;
}

export async function startDemo(env: Record<string, string> = {}): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "switchboard-demo-"));
  // The embedded PostgreSQL runs as the `postgres` user under root: it must be able to enter the folder.
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const pagesPort = await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DEMO_PORT: String(pagesPort),
    DEMO_DATA_DIR: dataDir,
    DEMO_REDIS_PREFIX: `sbdemo-${randomBytes(4).toString("hex")}`,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: "error",
    ...env,
  };
  for (const name of ["DATABASE_URL", "DEMO_DATABASE_URL", "SESSION_SECRET", "NODE_ENV"]) if (!(name in env)) delete childEnv[name];
  const child = spawn(join(root, "node_modules/.bin/tsx"), ["demo/start.ts"], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const waitFor = async (text: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!out.includes(text)) {
      if (child.exitCode !== null) throw new Error(`npm run demo exited early:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor("Switchboard demo is running");
  const logins = [...out.matchAll(/^\s+(admin|supervisor|agent)\s+(\S+@switchboard\.local)\s+(\S+)$/gm)].map((m) => ({ role: m[1]!, email: m[2]!, password: m[3]! }));
  return {
    child,
    output: () => out,
    waitFor,
    workspaceUrl: `http://localhost:${port}`,
    pagesUrl: `http://localhost:${pagesPort}`,
    logins,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
