// Sessions end everywhere at once: logout, password change, deactivation and expiry close the agent's
// sockets on every server process (two here, on one database and one Redis). The workspace's state
// changes and its socket check Origin against PUBLIC_URL.
import { io as connectSocket, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NAMESPACE } from "../shared/events.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard, type Switchboard } from "../server/switchboard.ts";
import { createAgent, TEST_PASSWORD } from "./support/factories.ts";
import { eventually, freePort, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let second: Switchboard;
const extraSockets: Socket[] = [];
beforeAll(async () => {
  t = await startTestApp();
  // A second server process on the same database and Redis (a load balancer's other half).
  second = await startSwitchboard({ config: { ...t.config, port: await freePort() }, log: createLogger(t.config.logLevel), runWorkers: false });
});
afterAll(async () => {
  for (const s of extraSockets) s.disconnect();
  await second?.close();
  await t?.close();
});

/** An agent socket to the second server. */
async function connectToSecond(cookie: string): Promise<Socket> {
  const socket = connectSocket(second.url + AGENT_NAMESPACE, { extraHeaders: { cookie, origin: t.origin }, transports: ["websocket"], reconnection: false });
  extraSockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

const closedByServer = (socket: Socket) =>
  new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));

async function signedInTwice(role = "agent") {
  const agent = await createAgent(t.pool, { role });
  const [first, other] = [await t.login(agent.email), await t.login(agent.email)];
  return { agent, first, other };
}

describe("ending sessions", () => {
  it("logout closes only that session's sockets, on every server; the other session stays", async () => {
    const { first, other } = await signedInTwice();
    const [a1, a2, b1] = [await t.connectAgent(first), await connectToSecond(first), await connectToSecond(other)];
    const ended = nextEvent<{ reason: string }>(a2, "session:ended");
    const [closed1, closed2] = [closedByServer(a1), closedByServer(a2)];
    expect((await t.api(first, "POST", "/api/auth/logout")).status).toBe(204);
    expect((await ended).reason).toBe("logout");
    expect(await closed1).toBe("io server disconnect");
    expect(await closed2).toBe("io server disconnect");
    expect(b1.connected).toBe(true);
    expect((await t.api(other, "GET", "/api/me")).status).toBe(200);
    expect((await t.api(first, "GET", "/api/me")).status).toBe(401);
  });

  it("a password change needs the current password, ends the other sessions everywhere, keeps this one, and is audited", async () => {
    const { agent, first, other } = await signedInTwice();
    const [mine, theirs, theirsElsewhere] = [await t.connectAgent(first), await t.connectAgent(other), await connectToSecond(other)];
    const wrong = await t.api(first, "POST", "/api/me/password", { currentPassword: "not it", newPassword: "a brand new long password" });
    expect(wrong.status).toBe(403);
    const short = await t.api<{ error: { code: string } }>(first, "POST", "/api/me/password", { currentPassword: TEST_PASSWORD, newPassword: "short" });
    expect(short.body.error.code).toBe("VALIDATION");
    const ended = [nextEvent<{ reason: string }>(theirs, "session:ended"), nextEvent<{ reason: string }>(theirsElsewhere, "session:ended")];
    expect((await t.api(first, "POST", "/api/me/password", { currentPassword: TEST_PASSWORD, newPassword: "a brand new long password" })).status).toBe(204);
    expect((await Promise.all(ended)).map((e) => e.reason)).toEqual(["password_changed", "password_changed"]);
    expect(mine.connected).toBe(true);
    expect((await t.api(first, "GET", "/api/me")).status).toBe(200);
    expect((await t.api(other, "GET", "/api/me")).status).toBe(401);
    const audit = await t.pool.query(`SELECT action, actor_id FROM audit_events WHERE entity_id = $1`, [agent.id]);
    expect(audit.rows).toEqual([{ action: "password_changed", actor_id: agent.id }]);
  });

  it("deactivation (admins only) signs the agent out everywhere, sets them offline, bars sign-in; reactivation lets them back", async () => {
    const admin = await createAgent(t.pool, { role: "admin" });
    const adminCookie = await t.login(admin.email);
    const agent = await createAgent(t.pool, { presence: "available" });
    const cookie = await t.login(agent.email);
    const [here, there] = [await t.connectAgent(cookie), await connectToSecond(cookie)];
    expect((await t.api(cookie, "POST", `/api/agents/${agent.id}/deactivate`)).status).toBe(403);
    const ended = [nextEvent<{ reason: string }>(here, "session:ended"), nextEvent<{ reason: string }>(there, "session:ended")];
    const res = await t.api<{ agent: { active: boolean; presence: string } }>(adminCookie, "POST", `/api/agents/${agent.id}/deactivate`);
    expect(res.status).toBe(200);
    expect(res.body.agent).toMatchObject({ active: false, presence: "offline" });
    expect((await Promise.all(ended)).map((e) => e.reason)).toEqual(["deactivated", "deactivated"]);
    expect((await t.api(cookie, "GET", "/api/me")).status).toBe(401);
    const refused = await fetch(`${t.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: agent.email, password: TEST_PASSWORD }) });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("FORBIDDEN");
    expect((await t.api(adminCookie, "POST", `/api/agents/${admin.id}/deactivate`)).status).toBe(409);
    expect((await t.api(adminCookie, "POST", `/api/agents/${agent.id}/reactivate`)).status).toBe(200);
    expect((await t.login(agent.email)).startsWith("sb_session=")).toBe(true);
    const audit = await t.pool.query(`SELECT action, actor_id FROM audit_events WHERE entity_id = $1 ORDER BY created_at`, [agent.id]);
    expect(audit.rows).toEqual([{ action: "agent_deactivated", actor_id: admin.id }, { action: "agent_reactivated", actor_id: admin.id }]);
  });

  it("a socket whose session expires is closed when it expires", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    await t.pool.query(`UPDATE sessions SET expires_at = now() + interval '1 second' WHERE agent_id = $1`, [agent.id]);
    const socket = await t.connectAgent(cookie);
    expect((await nextEvent<{ reason: string }>(socket, "session:ended")).reason).toBe("expired");
    await eventually(async () => !socket.connected);
  });
});

describe("Origin checks", () => {
  const FOREIGN = "https://evil.example.test"; // PUBLIC_URL is https://switchboard.example.test: a same-site sibling
  it("refuse a cookie request that changes state from a foreign or sibling origin, or with none", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    for (const headers of [{ origin: FOREIGN }, { origin: "https://attacker.example.com" }, { origin: "http://switchboard.example.test" }, { origin: "" }, { origin: "", referer: `${FOREIGN}/page` }] as Record<string, string>[]) {
      const res = await t.api<{ error: { code: string } }>(cookie, "PUT", "/api/me/presence", { presence: "away" }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
    }
    // A browser that left Origin out still sent its Referer: ours is accepted.
    expect((await t.api(cookie, "PUT", "/api/me/presence", { presence: "away" }, { origin: "", referer: `${t.origin}/workspace` })).status).toBe(200);
    expect((await t.api(cookie, "PUT", "/api/me/presence", { presence: "away" })).status).toBe(200);
    // Reading needs no Origin.
    expect((await t.api(cookie, "GET", "/api/me", undefined, { origin: FOREIGN })).status).toBe(200);
  });

  it("refuse a sign-in from a foreign page, and allow one without Origin (a script)", async () => {
    const agent = await createAgent(t.pool);
    const post = (headers: Record<string, string>) =>
      fetch(`${t.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ email: agent.email, password: TEST_PASSWORD }) });
    expect((await post({ origin: FOREIGN })).status).toBe(403);
    expect((await post({})).status).toBe(200);
    expect((await post({ origin: t.origin })).status).toBe(200);
  });

  it("refuse the agent socket from a foreign or sibling origin, or with no sign of one", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    const refusal = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connectSocket(t.url + AGENT_NAMESPACE, { extraHeaders: { cookie, ...headers }, transports: ["websocket"], reconnection: false });
        extraSockets.push(socket);
        socket.once("connect", () => resolve("connected"));
        socket.once("connect_error", (err) => resolve(err.message));
      });
    expect(await refusal({ origin: FOREIGN })).toBe("FORBIDDEN");
    expect(await refusal({})).toBe("FORBIDDEN");
    expect(await refusal({ origin: t.origin })).toBe("connected");
    expect(await refusal({ "sec-fetch-site": "same-origin" })).toBe("connected");
  });
});
