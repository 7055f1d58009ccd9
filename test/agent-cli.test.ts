// `npm run agent -- create|reset-password`: run as a child process against the test database; the
// password it prints once signs in, and a reset ends the agent's open sockets.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, TEST_PASSWORD } from "./support/factories.ts";
import { nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

const run = promisify(execFile);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

async function agentCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, REDIS_PREFIX: t.config.redisPrefix };
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/agent.ts", ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const printedPassword = (stdout: string) => /: (\S+)\s*$/.exec(stdout)?.[1];
const signIn = (email: string, password: string) =>
  fetch(`${t.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });

describe("the agent CLI", () => {
  it("creates an agent with a password printed once, audited; a duplicate or a bad role is refused", async () => {
    const created = await agentCli("create", "New.Admin@example.test", "New Admin", "admin");
    expect(created.code).toBe(0);
    const password = printedPassword(created.stdout)!;
    expect(password.length).toBeGreaterThanOrEqual(16);
    const res = await signIn("new.admin@example.test", password);
    expect(res.status).toBe(200);
    expect((await res.json()).agent).toMatchObject({ role: "admin", name: "New Admin" });
    const audit = await t.pool.query(`SELECT a.action FROM audit_events a JOIN agents g ON g.id::text = a.entity_id WHERE g.email = 'new.admin@example.test'`);
    expect(audit.rows).toEqual([{ action: "agent_created" }]);
    expect((await agentCli("create", "new.admin@example.test", "Again", "admin")).code).toBe(1);
    const badRole = await agentCli("create", "x@example.test", "X", "boss");
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/usage/);
  }, 120_000);

  it("resets a password: the old one stops working, the new one signs in, open sockets end", async () => {
    const agent = await createAgent(t.pool);
    const socket = await t.connectAgent(await t.login(agent.email));
    const ended = nextEvent<{ reason: string }>(socket, "session:ended", () => true, 60_000);
    const reset = await agentCli("reset-password", agent.email);
    expect(reset.code).toBe(0);
    expect((await ended).reason).toBe("password_changed");
    expect((await signIn(agent.email, TEST_PASSWORD)).status).toBe(401);
    expect((await signIn(agent.email, printedPassword(reset.stdout)!)).status).toBe(200);
    expect((await agentCli("reset-password", "nobody@example.test")).code).toBe(1);
  }, 120_000);
});
