// Several processes, one system: two server processes and two worker processes (real child processes)
// on one database and one Redis, as a larger site runs them behind a load balancer.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { io as connectSocket, type Socket } from "socket.io-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentView, MessageView, OfferView, TimelineChanges } from "../shared/api.ts";
import { AGENT_NAMESPACE } from "../shared/events.ts";
import { createQueues, type Queues } from "../server/jobs/queues.ts";
import { redisConnection } from "../server/switchboard.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { TEST_REDIS_URL } from "./support/env.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "./support/factories.ts";
import { startFakeTwilio, type FakeTwilio } from "../demo/twilio-simulator/fake-twilio.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { startSwitchboardProcess, type SwitchboardProcess } from "./support/switchboard-process.ts";
import { newMessageSid } from "./support/twilio-retries.ts";
import { postSignedForm, smsWebhookParams } from "./support/twilio-webhooks.ts";
import { BUSINESS_NUMBER, eventually, freePort, nextEvent } from "./support/test-app.ts";

const PUBLIC_URL = "https://switchboard.example.test";
let db: TestDatabase;
let fake: FakeTwilio;
let pool: pg.Pool;
let redis: ReturnType<typeof redisConnection>;
let queues: Queues;
let serverA: SwitchboardProcess;
let serverB: SwitchboardProcess;
const processes: SwitchboardProcess[] = [];
const sockets: Socket[] = [];
const redisPrefix = `sbtest-${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTwilio();
  const env = {
    HOST: "127.0.0.1",
    PUBLIC_URL,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_PHONE_NUMBER: BUSINESS_NUMBER,
    TWILIO_API_BASE_URL: fake.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
  };
  const server = async () =>
    startSwitchboardProcess({ env: { ...env, PORT: String(await freePort()) }, redisPrefix, start: { runWorkers: false, disconnectGraceMs: 300 } });
  const worker = () => startSwitchboardProcess({ env: { ...env, PORT: "0" }, redisPrefix, start: { serveHttp: false, sweepEveryMs: 60_000 } });
  processes.push(...(await Promise.all([server(), server(), worker(), worker()])));
  [serverA, serverB] = processes as [SwitchboardProcess, SwitchboardProcess];
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  redis = redisConnection(TEST_REDIS_URL);
  queues = createQueues(redis, redisPrefix);
  await createQueue(pool, { name: "Support" });
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(processes.map((p) => p.stop()));
  await queues?.close();
  redis?.disconnect();
  await pool?.end();
  await fake?.close();
  await db?.drop();
});
beforeEach(async () => {
  // Each test starts with nobody available and no open work.
  await pool.query(`UPDATE agents SET presence = 'offline'`);
  await pool.query(`UPDATE offers SET status = 'withdrawn' WHERE status = 'pending'`);
  await pool.query(`UPDATE conversations SET status = 'resolved', waiting_since = NULL WHERE status <> 'resolved'`);
});

let phoneSeq = 100;
const nextPhone = () => `+1212556${String(phoneSeq++).padStart(4, "0")}`;

async function sendSms(server: SwitchboardProcess, params: { From: string; Body: string; MessageSid?: string }): Promise<string> {
  const form = smsWebhookParams({ AccountSid: fake.accountSid, MessageSid: newMessageSid(), ...params });
  const res = await postSignedForm({ url: `${server.url}/webhooks/twilio/sms`, signatureUrl: `${PUBLIC_URL}/webhooks/twilio/sms`, authToken: fake.authToken, params: form });
  expect(res.status).toBe(200);
  return form.MessageSid!;
}
async function login(server: SwitchboardProcess, email: string): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: PUBLIC_URL }, body: JSON.stringify({ email, password: TEST_PASSWORD }) });
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}
async function api<T>(server: SwitchboardProcess, cookie: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { cookie, origin: PUBLIC_URL, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
async function connect(server: SwitchboardProcess, cookie: string): Promise<Socket> {
  const socket = connectSocket(server.url + AGENT_NAMESPACE, { extraHeaders: { cookie, origin: PUBLIC_URL }, transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}
const messageOf = async (sid: string) =>
  (await pool.query<{ conversation_id: string; customer_id: string }>(`SELECT conversation_id, customer_id FROM messages WHERE external_id = $1`, [sid])).rows[0]!;
const pendingOffers = async (agentId: string) =>
  (await pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM offers WHERE agent_id = $1 AND status = 'pending'`, [agentId])).rows;
/** How many auto-offline checks have run for the agent (the last hundred checks are kept). */
const offlineChecksDone = async (agentId: string) =>
  (await queues.maintenance.getJobs(["completed"])).filter((j) => j.name === "agent-disconnected" && j.data.agentId === agentId).length;
const presenceOf = async (agentId: string) => (await pool.query<{ presence: string }>(`SELECT presence FROM agents WHERE id = $1`, [agentId])).rows[0]!.presence;

describe("two servers and two workers on one database and one Redis", () => {
  it("offers an SMS that arrives at one server live to an agent connected to the other", async () => {
    const agent = await createAgent(pool, { capacity: { sms: 1 } });
    const cookie = await login(serverB, agent.email);
    const socket = await connect(serverB, cookie);
    expect((await api(serverB, cookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
    const offered = nextEvent<OfferView>(socket, "offer:new");
    const sid = await sendSms(serverA, { From: nextPhone(), Body: "reached server A" });
    expect((await offered).conversation.id).toBe((await messageOf(sid)).conversation_id);
  });

  it("holds every agent's capacity with both workers routing texts from both servers", async () => {
    const agents = await Promise.all([1, 2, 3].map(() => createAgent(pool, { presence: "available", capacity: { sms: 2 } })));
    const sids = await Promise.all(Array.from({ length: 12 }, (_, i) => sendSms(i % 2 ? serverA : serverB, { From: nextPhone(), Body: "race" })));
    await eventually(async () => (await Promise.all(agents.map((a) => pendingOffers(a.id)))).every((o) => o.length === 2));
    await waitForQueuesToDrain(queues);
    for (const a of agents) expect((await pendingOffers(a.id)).length).toBe(2);
    const conversations = await Promise.all(sids.map(async (s) => (await messageOf(s)).conversation_id));
    const perConversation = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM offers WHERE status = 'pending' AND conversation_id = ANY($1) GROUP BY conversation_id`,
      [conversations],
    );
    expect(perConversation.rows.map((r) => r.n)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("takes an agent offline once, when their last socket closes, on whichever server it was", async () => {
    const supervisor = await createAgent(pool, { role: "supervisor" });
    const watcher = await connect(serverA, await login(serverA, supervisor.email));
    const changes: AgentView[] = [];
    watcher.on("agent:updated", (a: AgentView) => changes.push(a));
    /** Waits until the stream has delivered everything published so far to the watcher (it is ordered). */
    const settled = async () => {
      const marker = await createAgent(pool);
      const markerCookie = await login(serverB, marker.email);
      const seen = nextEvent<AgentView>(watcher, "agent:updated", (a) => a.id === marker.id);
      await api(serverB, markerCookie, "PUT", "/api/me/presence", { presence: "away" });
      await seen;
    };

    for (const [first, last] of [[serverA, serverB], [serverB, serverA]] as const) {
      const agent = await createAgent(pool);
      const cookie = await login(first, agent.email);
      const onFirst = await connect(first, cookie);
      const onLast = await connect(last, cookie);
      expect((await api(first, cookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
      // One socket closes: the other, on the other server, still reaches the agent.
      onFirst.disconnect();
      // Once the check has run (or the agent was, wrongly, taken offline): still available.
      await eventually(async () => (await offlineChecksDone(agent.id)) === 1 || (await presenceOf(agent.id)) !== "available");
      expect(await presenceOf(agent.id)).toBe("available");
      // The last one closes: offline, once.
      onLast.disconnect();
      await eventually(async () => (await offlineChecksDone(agent.id)) === 2);
      expect(await presenceOf(agent.id)).toBe("offline");
      await settled();
      expect(changes.filter((a) => a.id === agent.id && a.presence === "offline").length).toBe(1);
    }

    // Both sockets close at once, on both servers: two checks race on two workers; one change.
    const agent = await createAgent(pool);
    const cookie = await login(serverA, agent.email);
    const both = [await connect(serverA, cookie), await connect(serverB, cookie)];
    expect((await api(serverA, cookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
    for (const s of both) s.disconnect();
    await eventually(async () => (await offlineChecksDone(agent.id)) === 2);
    expect(await presenceOf(agent.id)).toBe("offline");
    await settled();
    expect(changes.filter((a) => a.id === agent.id && a.presence === "offline").length).toBe(1);
  });

  it("catches up an agent who reconnects to the other server from their change cursor, then pushes live there", async () => {
    const agent = await createAgent(pool);
    const phone = nextPhone();
    const firstSid = await sendSms(serverA, { From: phone, Body: "first" });
    const { customer_id: customerId } = await messageOf(firstSid);
    const cookie = await login(serverA, agent.email);
    const onA = await connect(serverA, cookie);
    await onA.emitWithAck("customer:watch", { customerId });
    const cursor = (await api<TimelineChanges>(serverA, cookie, "GET", `/api/customers/${customerId}/timeline/changes?since=0`)).body.changeCursor;
    onA.disconnect();
    // While the agent is away, the customer writes twice, through either server.
    await sendSms(serverB, { From: phone, Body: "second" });
    await sendSms(serverA, { From: phone, Body: "third" });
    const onB = await connect(serverB, cookie);
    await onB.emitWithAck("customer:watch", { customerId });
    const missed = await api<TimelineChanges>(serverB, cookie, "GET", `/api/customers/${customerId}/timeline/changes?since=${cursor}`);
    // (The answer may repeat a little from before the cursor, for writes still in flight: clients dedupe by id.)
    expect(missed.body.messages.map((m) => m.body).filter((b) => b !== "first")).toEqual(["second", "third"]);
    const live = nextEvent<MessageView>(onB, "message:new", (m) => m.customerId === customerId);
    await sendSms(serverA, { From: phone, Body: "fourth" });
    expect((await live).body).toBe("fourth");
  });
});
