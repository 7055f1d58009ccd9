// `npm start` as a newcomer runs it: no DATABASE_URL, so an embedded PostgreSQL; migrations; a demo
// workspace seeded once with its logins printed; the URL printed; a clean stop on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedPostgresDir, folderPostgresCannotEnter } from "../scripts/local-services.ts";
import { TEST_REDIS_URL } from "./support/env.ts";
import { freePort } from "./support/test-app.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "switchboard-start-"));
// The embedded PostgreSQL runs as the `postgres` user when we are root: it must be able to enter the folder.
chmodSync(dataDir, 0o755);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(port: number, dir = dataDir): { child: ChildProcess; output: () => string; waitFor: (text: string) => Promise<void>; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), SWITCHBOARD_DATA_DIR: dir, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: "error" };
  delete env.DATABASE_URL;
  delete env.SESSION_SECRET;
  delete env.NODE_ENV;
  const child = spawn(join(root, "node_modules/.bin/tsx"), ["scripts/start.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 60_000;
    while (!out.includes(text)) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, output: () => out, waitFor, exited };
}

describe("npm start on a machine without DATABASE_URL", () => {
  it("brings up a working, seeded Switchboard and stops cleanly", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const first = start(port);
    await first.waitFor("Switchboard is running");
    const out = first.output();
    expect(out).toContain("starting an embedded PostgreSQL");
    expect(out).toContain(`Switchboard is running: http://localhost:${port}`);
    expect(out).toMatch(/sms\s+off — SMS is off: set TWILIO_ACCOUNT_SID/);
    const logins = [...out.matchAll(/^\s+(admin|supervisor|agent)\s+(\S+@switchboard\.local)\s+(\S+)$/gm)].map((m) => ({ role: m[1], email: m[2], password: m[3] }));
    expect(logins.map((l) => l.role)).toEqual(["admin", "supervisor", "agent", "agent"]);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: logins[0]!.email, password: logins[0]!.password }),
    });
    expect(login.status).toBe(200);
    expect((await login.json()).agent.role).toBe("admin");
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toContain('<div id="root">');
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    // A second start keeps the data and prints no passwords again.
    const second = start(port);
    await second.waitFor("Switchboard is running");
    expect(second.output()).not.toContain("First run");
    const again = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: logins[2]!.email, password: logins[2]!.password }),
    });
    expect(again.status).toBe(200);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});

describe("npm start as root from a folder the postgres user cannot enter", () => {
  // A clone in /root: mkdtemp makes its folder 0700, so the embedded PostgreSQL (run as `postgres`) cannot enter it.
  const closed = mkdtempSync(join(tmpdir(), "switchboard-private-"));
  chmodSync(closed, 0o700);
  const privateData = join(closed, "data");
  const relocated = embeddedPostgresDir(privateData).dir;
  afterAll(() => {
    rmSync(closed, { recursive: true, force: true });
    rmSync(join(relocated, ".."), { recursive: true, force: true });
  });

  it("sees which folder blocks the postgres user", () => {
    expect(folderPostgresCannotEnter(join(privateData, "postgres"), null)).toBe(closed);
    expect(folderPostgresCannotEnter(dataDir, null)).toBeNull();
  });

  it.runIf(process.getuid?.() === 0)("keeps the database where postgres can reach it, says where, and runs", { timeout: 120_000 }, async () => {
    expect(relocated.startsWith("/var/lib/switchboard/")).toBe(true);
    const port = await freePort();
    const run = start(port, privateData);
    await run.waitFor("Switchboard is running");
    expect(run.output()).toContain(`the embedded PostgreSQL keeps its data in ${relocated}`);
    expect(existsSync(join(relocated, "PG_VERSION"))).toBe(true);
    expect(existsSync(join(privateData, "session-secret"))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });
});
