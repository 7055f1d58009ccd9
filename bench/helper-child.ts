// A helper process of a benchmark (the chat benchmark's idle visitors, its socket.io floor): a bench/*.ts
// script run under tsx in a child process, spoken to over IPC with `{ type }` messages. The child exits
// when its parent goes away (IPC disconnect), so a crashed run leaves no helper behind; stop() kills this
// one child by pid if it does not exit by itself in time.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface HelperChild<Req extends { type: string }, Rep extends { type: string }> {
  pid: number;
  request<T extends Rep["type"]>(req: Req, expect: T, timeoutMs: number): Promise<Extract<Rep, { type: T }>>;
  /** Sends `{ type: "close" }` and waits for the exit; SIGKILL after timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: boolean;
}

/** script: a file in bench/, e.g. "chat-crowd.ts". Waits for its `{ type: "ready" }`. env: added to this process's. */
export async function startHelperChild<Req extends { type: string }, Rep extends { type: string }>(
  script: string,
  nodeFlags: string[] = [],
  env: Record<string, string> = {},
): Promise<HelperChild<Req, Rep>> {
  const child: ChildProcess = fork(fileURLToPath(new URL(`./${script}`, import.meta.url)), [], {
    cwd: REPO_ROOT,
    execArgv: ["--import", "tsx", ...nodeFlags],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const waiters: { type: string; resolve: (r: Rep) => void; reject: (e: Error) => void }[] = [];
  child.on("message", (msg: Rep) => {
    const i = waiters.findIndex((w) => w.type === msg.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
  });
  void exitPromise.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${script} exited while waiting for ${w.type}`));
  });
  const waitFor = <T extends Rep["type"]>(type: T, timeoutMs: number) =>
    new Promise<Extract<Rep, { type: T }>>((resolve, reject) => {
      if (exited) return reject(new Error(`${script} has exited (waiting for ${type})`));
      const timer = setTimeout(() => reject(new Error(`${script} did not answer ${type} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({
        type,
        resolve: (r) => (clearTimeout(timer), resolve(r as Extract<Rep, { type: T }>)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  try {
    await waitFor("ready" as Rep["type"], 30_000);
  } catch (err) {
    if (!exited) child.kill("SIGKILL");
    throw err;
  }
  return {
    pid: child.pid!,
    get exited() {
      return exited;
    },
    request(req, expect, timeoutMs) {
      const p = waitFor(expect, timeoutMs);
      child.send(req);
      return p;
    },
    async stop(timeoutMs = 10_000) {
      if (exited) return;
      if (child.connected) child.send({ type: "close" });
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, timeoutMs);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
