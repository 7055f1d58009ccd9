// Sign-in: argon2id passwords, HttpOnly session cookie, logout, roles on REST and sockets, rate limits.
import { Redis } from "ioredis";
import { io as connectSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LOGIN_LIMITS } from "../server/redis/login-throttle.ts";
import { createAgent, TEST_PASSWORD } from "./support/factories.ts";
import { TEST_REDIS_URL } from "./support/env.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let redis: Redis;
beforeAll(async () => {
  // The test stands in for a proxy on loopback, so X-Forwarded-For picks each request's address.
  t = await startTestApp({ env: { TRUST_PROXY: "loopback" } });
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await t?.close();
});

let nextAddress = 1;
/** A fresh client address per test, so one test's failures never spend another's budget. */
const freshAddress = () => `198.51.100.${nextAddress++}`;
let address = freshAddress();

const login = (email: string, password: string, from = address) =>
  fetch(`${t.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": from },
    body: JSON.stringify({ email, password }),
  });
const failuresStored = async (agentId: string, from: string) => Number((await redis.get(`${t.config.redisPrefix}:login-fails:${agentId}@${from}`)) ?? 0);

describe("signing in", () => {
  it("sets an HttpOnly SameSite session cookie for the right password, and logout ends the session", async () => {
    const agent = await createAgent(t.pool, { name: "Ada" });
    const res = await login(agent.email.toUpperCase(), TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect((await res.json()).agent).toMatchObject({ id: agent.id, name: "Ada", role: "agent" });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^sb_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Secure/); // PUBLIC_URL is https in this test app
    const cookie = setCookie.split(";")[0]!;
    expect((await t.api(cookie, "GET", "/api/me")).status).toBe(200);
    // Only a hash of the token is stored.
    const stored = await t.pool.query(`SELECT token_hash FROM sessions WHERE agent_id = $1`, [agent.id]);
    expect(stored.rows[0].token_hash).not.toContain(cookie.split("=")[1]);
    expect((await t.api(cookie, "POST", "/api/auth/logout")).status).toBe(204);
    expect((await t.api(cookie, "GET", "/api/me")).status).toBe(401);
  });

  it("stores passwords as argon2id", async () => {
    const agent = await createAgent(t.pool);
    const { rows } = await t.pool.query(`SELECT password_hash FROM agents WHERE id = $1`, [agent.id]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it("answers wrong credentials and unknown accounts alike, and malformed bodies with 400", async () => {
    const agent = await createAgent(t.pool);
    const wrong = await login(agent.email, "wrong password");
    const unknown = await login("nobody@example.test", "whatever");
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect((await wrong.json()).error).toEqual({ code: "UNAUTHENTICATED", message: "Wrong email or password" });
    const bad = await login("not-an-email", "x");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("VALIDATION");
    const notJson = await fetch(`${t.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(notJson.status).toBe(400);
  });

  it("needs a session for every API route and the agent socket", async () => {
    for (const [method, path] of [["GET", "/api/me"], ["GET", "/api/me/work"], ["PUT", "/api/me/presence"], ["GET", "/api/agents"]] as const) {
      expect((await t.api("sb_session=forged", method, path, method === "PUT" ? { presence: "available" } : undefined)).status).toBe(401);
    }
    const socket = connectSocket(`${t.url}/agent`, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: "sb_session=forged", origin: t.origin } });
    const err = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
    expect(err.message).toBe("UNAUTHENTICATED");
    socket.disconnect();
  });

  it("enforces roles: agents cannot list or add agents, supervisors can list, admins can add", async () => {
    const agent = await createAgent(t.pool, { role: "agent" });
    const supervisor = await createAgent(t.pool, { role: "supervisor" });
    const admin = await createAgent(t.pool, { role: "admin" });
    const [a, s, ad] = [await t.login(agent.email), await t.login(supervisor.email), await t.login(admin.email)];
    expect((await t.api(a, "GET", "/api/agents")).status).toBe(403);
    expect((await t.api(s, "GET", "/api/agents")).status).toBe(200);
    const body = { email: "new.agent@example.test", name: "New Agent", password: "a long enough password" };
    expect((await t.api(s, "POST", "/api/agents", body)).status).toBe(403);
    const created = await t.api<{ agent: { email: string; role: string } }>(ad, "POST", "/api/agents", body);
    expect(created.status).toBe(201);
    expect(created.body.agent).toMatchObject({ email: "new.agent@example.test", role: "agent" });
    expect((await t.api(ad, "POST", "/api/agents", body)).status).toBe(409);
    expect((await login("new.agent@example.test", "a long enough password")).status).toBe(200);
  });

  it("validates socket events and answers with a clear error ack", async () => {
    const agent = await createAgent(t.pool);
    const socket = await t.connectAgent(await t.login(agent.email));
    const bad = await socket.emitWithAck("presence:set", { presence: "busy" } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const badWatch = await socket.emitWithAck("customer:watch", { customerId: "../../etc" });
    expect(badWatch).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const good = await socket.emitWithAck("presence:set", { presence: "away" });
    expect(good).toMatchObject({ ok: true, data: { presence: "away" } });
  });

  it("throttles failed attempts per account and address, even with the right password afterwards, with growing delays", async () => {
    address = freshAddress();
    const agent = await createAgent(t.pool);
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.freeFailures; i++) expect((await login(agent.email, `guess ${i}`)).status).toBe(401);
    const blocked = await login(agent.email, TEST_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBe(1);
    expect((await blocked.json()).error.code).toBe("RATE_LIMITED");
    // The refused attempt was not counted; once the delay is over one more guess is checked, and the next waits longer.
    expect(await failuresStored(agent.id, address)).toBe(DEFAULT_LOGIN_LIMITS.freeFailures);
    await eventually(async () => (await login(agent.email, "one more guess")).status === 401, { timeoutMs: 5000, intervalMs: 200 });
    const longer = await login(agent.email, TEST_PASSWORD);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get("retry-after"))).toBe(2);
    // Another account from the same address is not locked by this one.
    const other = await createAgent(t.pool);
    expect((await login(other.email, TEST_PASSWORD)).status).toBe(200);
  });

  it("counts only failures: 40 agents signing in correctly from one office address all get in", async () => {
    address = freshAddress();
    const agents = await Promise.all(Array.from({ length: 40 }, () => createAgent(t.pool)));
    const statuses = await Promise.all(agents.map(async (a) => (await login(a.email, TEST_PASSWORD)).status));
    expect(statuses).toEqual(agents.map(() => 200));
  }, 120_000);

  it("counts 30 parallel wrong guesses exactly: past the free ones they are refused, not checked", async () => {
    address = freshAddress();
    const agent = await createAgent(t.pool);
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => login(agent.email, `parallel guess ${i}`).then((r) => r.status)));
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked + statuses.filter((s) => s === 429).length).toBe(30);
    // The free tries and at most one more (the one-at-a-time gate) reach the password check.
    expect(checked).toBeGreaterThanOrEqual(DEFAULT_LOGIN_LIMITS.freeFailures);
    expect(checked).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.freeFailures + 1);
    expect(await failuresStored(agent.id, address)).toBe(checked);
  });

  it("a stranger's failures on an account from one address do not stop its owner signing in from another", async () => {
    const strangers = freshAddress();
    const office = freshAddress();
    const agent = await createAgent(t.pool);
    for (let i = 0; i < 12; i++) await login(agent.email, `stranger ${i}`, strangers);
    expect((await login(agent.email, TEST_PASSWORD, strangers)).status).toBe(429);
    expect((await login(agent.email, TEST_PASSWORD, office)).status).toBe(200);
  });

  it("lets an admin unlock an account (audited); others may not", async () => {
    address = freshAddress();
    const agent = await createAgent(t.pool);
    const admin = await createAgent(t.pool, { role: "admin" });
    const supervisor = await createAgent(t.pool, { role: "supervisor" });
    const [adminCookie, supervisorCookie] = [await t.login(admin.email), await t.login(supervisor.email)];
    for (let i = 0; i < 8; i++) await login(agent.email, `guess ${i}`);
    expect((await login(agent.email, TEST_PASSWORD)).status).toBe(429);
    expect((await t.api(supervisorCookie, "POST", `/api/agents/${agent.id}/unlock`)).status).toBe(403);
    const unlocked = await t.api<{ cleared: number }>(adminCookie, "POST", `/api/agents/${agent.id}/unlock`);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.cleared).toBeGreaterThan(0);
    const audit = await t.pool.query(`SELECT actor_id FROM audit_events WHERE action = 'agent_unlocked' AND entity_id = $1`, [agent.id]);
    expect(audit.rows).toEqual([{ actor_id: admin.id }]);
    expect((await login(agent.email, TEST_PASSWORD)).status).toBe(200);
  });

  it("limits failures per address across accounts (slow brute force), not successes", async () => {
    // Its own app with a low address limit, so the test reaches it in a few guesses.
    const limit = 10;
    const small = await startTestApp({ env: { TRUST_PROXY: "loopback" }, start: { loginLimits: { addressFailures: limit } } });
    try {
      const from = freshAddress();
      const post = (email: string, password: string, ip = from) =>
        fetch(`${small.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": ip }, body: JSON.stringify({ email, password }) });
      const known = await createAgent(small.pool);
      // Successes are never counted.
      for (let i = 0; i < limit + 2; i++) expect((await post(known.email, TEST_PASSWORD)).status).toBe(200);
      const statuses = await Promise.all(Array.from({ length: limit }, (_, i) => post(`spray-${i}@example.test`, "password1").then((r) => r.status)));
      expect(statuses).toEqual(statuses.map(() => 401));
      const over = await post("spray-over@example.test", "password1");
      expect(over.status).toBe(429);
      expect((await over.json()).error.code).toBe("RATE_LIMITED");
      expect((await post(known.email, TEST_PASSWORD)).status).toBe(429);
      expect((await post(known.email, TEST_PASSWORD, freshAddress())).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
