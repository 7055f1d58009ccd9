// Sign-in: argon2id passwords, HttpOnly session cookie, logout, roles on REST and sockets, rate limits.
import { io as connectSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, TEST_PASSWORD } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

const login = (email: string, password: string) =>
  fetch(`${t.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });

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
    const socket = connectSocket(`${t.url}/agent`, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: "sb_session=forged" } });
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

  it("limits failed attempts per account, even with the right password afterwards", async () => {
    const agent = await createAgent(t.pool);
    for (let i = 0; i < 5; i++) expect((await login(agent.email, `guess ${i}`)).status).toBe(401);
    const blocked = await login(agent.email, TEST_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await blocked.json()).error.code).toBe("RATE_LIMITED");
    // Another account from the same address is not locked by this one.
    const other = await createAgent(t.pool);
    expect((await login(other.email, TEST_PASSWORD)).status).toBe(200);
  });

  it("limits attempts per address across accounts", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await login(`spray-${i}@example.test`, "password1")).status);
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(30);
  });
});
