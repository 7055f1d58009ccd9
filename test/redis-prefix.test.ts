// REDIS_PREFIX: two installs on one Redis do not see each other's work, and every key a run creates
// (queues, the event stream, rate limits, sign-in throttles) starts with its install's prefix.
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfferView, WidgetView } from "../shared/api.ts";
import { connectVisitor } from "./support/chat-visitor.ts";
import { TEST_REDIS_URL } from "./support/env.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
let redisUrl: string;
let redis: Redis;
let a: TestApp;
let b: TestApp;

/** A logical Redis database nobody else uses right now, so a SCAN sees only this run's keys. */
async function emptyDatabase(): Promise<number> {
  for (const db of [11, 12, 13, 14, 15, 10, 9, 8]) {
    const probe = new Redis(`${TEST_REDIS_URL}/${db}`);
    const size = await probe.dbsize();
    probe.disconnect();
    if (size === 0) return db;
  }
  throw new Error("no empty Redis database to test in");
}

beforeAll(async () => {
  const db = await emptyDatabase();
  redisUrl = `${TEST_REDIS_URL}/${db}`;
  redis = new Redis(redisUrl);
  const prefix = () => `sbp${randomBytes(3).toString("hex")}`;
  [a, b] = await Promise.all([startTestApp({ env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix() } }), startTestApp({ env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix() } })]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  redis?.disconnect();
});

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

async function signedInAgent(t: TestApp) {
  await createQueue(t.pool, { name: "Support" });
  const agent = await createAgent(t.pool, { presence: "available" });
  const cookie = await t.login(agent.email);
  const socket = await t.connectAgent(cookie);
  return { agent, cookie, socket };
}

describe("REDIS_PREFIX", () => {
  it("keeps two installs on one Redis apart, and every key they create starts with their prefix", async () => {
    expect(a.config.redisPrefix).not.toBe(b.config.redisPrefix);
    const [inA, inB] = await Promise.all([signedInAgent(a), signedInAgent(b)]);
    const offersInB: OfferView[] = [];
    inB.socket.on("offer:new", (o: OfferView) => offersInB.push(o));

    // Work in A: an SMS routed to A's agent, accepted and answered; a wrong password; a chat visitor.
    const offered = nextEvent<OfferView>(inA.socket, "offer:new");
    const sms = await a.sendSms({ From: "+12125550177", Body: "Where is my order?" });
    expect(sms.status).toBe(200);
    const offer = await offered;
    expect((await a.api(inA.cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
    expect((await a.api(inA.cookie, "POST", `/api/conversations/${offer.conversation.id}/messages`, { body: "On its way" })).status).toBe(201);
    await a.fake.waitFor((r) => r.form.Body === "On its way");
    await fetch(`${a.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: inA.agent.email, password: "wrong guess" }) });
    const admin = await createAgent(a.pool, { role: "admin" });
    const widget = (await a.api<{ widget: WidgetView }>(await a.login(admin.email), "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] })).body.widget;
    const visitor = await connectVisitor(a.url, { widgetKey: widget.publicKey, origin: SITE });
    expect(await visitor.socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "Hello" })).toMatchObject({ ok: true });
    visitor.socket.disconnect();

    // B saw none of it: no offer, no jobs, nothing sent by B's Twilio client.
    expect(offersInB).toEqual([]);
    const counts = await b.sb.queues.routing.getJobCounts();
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    expect(b.fake.requests.filter((r) => r.path.endsWith("/Messages.json"))).toEqual([]);
    await eventually(async () => (await a.pool.query(`SELECT 1 FROM messages WHERE body = 'Hello'`)).rowCount === 1);

    const keys = await allKeys();
    const ofA = keys.filter((k) => k.startsWith(`${a.config.redisPrefix}:`));
    const ofB = keys.filter((k) => k.startsWith(`${b.config.redisPrefix}:`));
    expect(keys.filter((k) => !ofA.includes(k) && !ofB.includes(k))).toEqual([]);
    // Each kind of key is there, under A's prefix: queues, the event stream, chat limits, sign-in throttles.
    for (const part of [":bull:routing:", ":bull:outbound:", ":events", ":rl:chat:", ":login-fails"]) {
      expect(ofA.some((k) => k.includes(part)), part).toBe(true);
    }
  });
});
