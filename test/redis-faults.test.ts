// Redis is killed (SIGKILL, no persistence) and started again empty in the middle of traffic. Postgres is
// the record: nothing inbound is lost, offers and sockets carry on, no old event is replayed, and what
// lived only in Redis (the sweep's schedule, offer timeouts, wrap-up ends, routing jobs) is derived again
// without restarting any process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView, OfferView, TimelineChanges } from "../shared/api.ts";
import { Redis } from "ioredis";
import type { DomainEvent } from "../server/domain/events.ts";
import { startWrapUp } from "../server/domain/voice/wrap-up.ts";
import { createLogger } from "../server/log.ts";
import { createEventPublisher, eventStreamKey, subscribeToEvents } from "../server/realtime/event-bus.ts";
import { countAgentSockets } from "../server/redis/agent-sockets.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { startTestRedis, type TestRedis } from "./support/redis-server.ts";
import { deliverSmsUntilAccepted, newMessageSid } from "./support/twilio-retries.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let redis: TestRedis;
let t: TestApp;
beforeAll(async () => {
  redis = await startTestRedis();
  t = await startTestApp({
    env: { REDIS_URL: redis.url },
    // A short sweep, as a test may pass; production sweeps every 10 s.
    start: { sweepEveryMs: 250 },
    configure: (c) => {
      // Short, so that offers lapse (and the one whose timeout job is lost shows it) within the test.
      c.offerTimeoutMs = 2000;
      c.wrapUpMs = 1000;
    },
  });
  await createQueue(t.pool, { name: "Support" });
});
afterAll(async () => {
  await t?.close();
  await redis?.stop();
});

const messageOf = async (sid: string) =>
  (await t.pool.query<{ id: string; customer_id: string; conversation_id: string }>(`SELECT id, customer_id, conversation_id FROM messages WHERE external_id = $1`, [sid])).rows;

describe("Redis killed and restarted empty mid-traffic", () => {
  it("loses nothing, resumes offers and sockets, replays nothing old, and re-derives timers from Postgres", { timeout: 30_000 }, async () => {
    const agent = await createAgent(t.pool, { name: "Ada", capacity: { sms: 1 } });
    // On a call (busy): not offered texts until her wrap-up after it ends.
    const wrapping = await createAgent(t.pool, { name: "Wren", presence: "busy", capacity: { sms: 5 } });
    const supervisor = await createAgent(t.pool, { name: "Sue", role: "supervisor", capacity: { sms: 0 } });
    const agentCookie = await t.login(agent.email);
    const agentSocket = await t.connectAgent(agentCookie);
    const supervisorSocket = await t.connectAgent(await t.login(supervisor.email));
    // Every message:new the supervisor sees, to count replays and losses at the end.
    const seenBySupervisor: string[] = [];
    supervisorSocket.on("message:new", (m: MessageView) => seenBySupervisor.push(m.id));

    // Before the fault: Ada holds an offer (its timeout job is in Redis), Wren is in wrap-up (its end job
    // is a delayed job in Redis), and Ada watches the customer with a change cursor.
    const firstOffer = nextEvent<OfferView>(agentSocket, "offer:new");
    expect((await t.api(agentCookie, "PUT", "/api/me/presence", { presence: "available" })).status).toBe(200);
    const first = { MessageSid: newMessageSid(), From: "+12125557001", Body: "before the fault" };
    await deliverSmsUntilAccepted(t, first);
    const offer = await firstOffer;
    const [firstMessage] = await messageOf(first.MessageSid);
    expect(offer.conversation.id).toBe(firstMessage!.conversation_id);
    const before = await t.api<TimelineChanges>(agentCookie, "GET", `/api/customers/${firstMessage!.customer_id}/timeline/changes?since=0`);
    const cursor = before.body.changeCursor;
    await startWrapUp({ pool: t.pool, events: { publish: async () => {} }, queues: t.sb.queues, wrapUpMs: 1000 }, wrapping.id);
    await eventually(async () => seenBySupervisor.includes(firstMessage!.id));

    await redis.kill();
    // The offer was still pending when its timeout job vanished with Redis.
    expect((await t.pool.query(`SELECT status FROM offers WHERE id = $1`, [offer.id])).rows[0]?.status).toBe("pending");
    // Traffic while Redis is down: each webhook is retried as Twilio would, until it is answered 2xx.
    const during = [
      { MessageSid: newMessageSid(), From: "+12125557001", Body: "same customer, during the fault" },
      { MessageSid: newMessageSid(), From: "+12125557002", Body: "new customer, during the fault" },
      { MessageSid: newMessageSid(), From: "+12125557003", Body: "another, during the fault" },
    ];
    const deliveries = during.map((p) => deliverSmsUntilAccepted(t, p));
    // Postgres took them even though Redis cannot be reached.
    await eventually(async () => (await Promise.all(during.map((p) => messageOf(p.MessageSid)))).every((rows) => rows.length === 1));
    const offerAfterRestart = nextEvent<OfferView>(agentSocket, "offer:new", (o) => o.id !== offer.id, 15_000);
    await redis.start();
    const restartedAt = (await t.pool.query<{ now: Date }>(`SELECT now()`)).rows[0]!.now;
    await Promise.all(deliveries);

    // The server wrote its open sockets back into the empty Redis (auto-offline counts them).
    // On reconnect, not only at the next heartbeat (5 s).
    await eventually(async () => (await countAgentSockets(t.sb.redis, t.config.redisPrefix, agent.id)) === 1, { timeoutMs: 2000 });
    // Nothing lost, nothing doubled.
    for (const p of [first, ...during]) expect((await messageOf(p.MessageSid)).length).toBe(1);
    // The offer whose timeout job vanished lapses (sweep), rather than holding Ada's only slot.
    await eventually(
      async () => (await t.pool.query(`SELECT status FROM offers WHERE id = $1`, [offer.id])).rows[0]?.status === "timed_out",
      { timeoutMs: 10_000 },
    );
    // Wren's wrap-up ends though its delayed job vanished: derived from the agents table.
    await eventually(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [wrapping.id])).rows[0]?.presence === "available", {
      timeoutMs: 10_000,
    });
    // Every conversation is offered again after the restart: routing resumed, no job left behind in the lost Redis.
    const conversations = [...new Set((await Promise.all([first, ...during].map((p) => messageOf(p.MessageSid)))).map((r) => r[0]!.conversation_id))];
    await eventually(
      async () => {
        const { rows } = await t.pool.query(`SELECT count(DISTINCT conversation_id)::int AS n FROM offers WHERE created_at > $2 AND conversation_id = ANY($1)`, [
          conversations,
          restartedAt,
        ]);
        return rows[0].n === conversations.length;
      },
      { timeoutMs: 10_000 },
    );
    // Ada's socket, connected throughout, hears new offers again (the event stream did not stall).
    expect((await offerAfterRestart).conversation.id).not.toBe(offer.conversation.id);
    // Catching up by cursor returns what happened on the watched customer during the fault.
    const after = await t.api<TimelineChanges>(agentCookie, "GET", `/api/customers/${firstMessage!.customer_id}/timeline/changes?since=${cursor}`);
    expect(after.body.messages.map((m) => m.body)).toContain("same customer, during the fault");
    // Live pushes resumed, and no old event was replayed: each message reached the supervisor exactly once.
    const ids = (await Promise.all([first, ...during].map((p) => messageOf(p.MessageSid)))).map((r) => r[0]!.id);
    await eventually(async () => ids.every((id) => seenBySupervisor.includes(id)));
    for (const id of ids) expect(seenBySupervisor.filter((s) => s === id).length).toBe(1);
  });
});

describe("a server whose Redis cannot answer when it starts", () => {
  it("reads the event stream from its end once Redis answers, replaying none of the old events", async () => {
    const own = await startTestRedis();
    const admin = new Redis(own.url);
    try {
      const prefix = "replay-check";
      const publisher = createEventPublisher(admin, prefix);
      const typing = (visitorId: string): DomainEvent => ({ type: "chat.typing", visitorId, typing: true, name: null });
      const old = Array.from({ length: 50 }, (_, i) => typing(`old-${i}`));
      await publisher.publish(...old);
      // New connections are refused every command (as while Redis is loading or failing over).
      await admin.config("SET", "requirepass", "not-given");
      let refused!: () => void;
      const wasRefused = new Promise<void>((r) => (refused = r));
      const received: DomainEvent[] = [];
      const subscription = subscribeToEvents(own.url, prefix, (e) => received.push(e), { ...createLogger("silent"), warn: () => refused() });
      try {
        await wasRefused;
        await admin.config("SET", "requirepass", "");
        const fresh = typing("new");
        // Published until the reader sees it (its first reads may still be refused, or not yet started).
        await eventually(async () => {
          await publisher.publish(fresh);
          return received.length > 0;
        }, { intervalMs: 200 });
        expect(received.map((e) => (e.type === "chat.typing" ? e.visitorId : e.type)).filter((v) => v !== "new")).toEqual([]);
      } finally {
        await subscription.close();
      }
    } finally {
      admin.disconnect();
      await own.stop();
    }
  });
});

describe("an event stream that comes back numbered below the last id read", () => {
  it("does not stall: the reader goes on with the new stream", async () => {
    const own = await startTestRedis();
    const admin = new Redis(own.url);
    admin.on("error", () => {}); // killed below on purpose; ioredis reconnects
    try {
      const prefix = "stall-check";
      const publisher = createEventPublisher(admin, prefix);
      const typing = (visitorId: string): DomainEvent => ({ type: "chat.typing", visitorId, typing: true, name: null });
      const received: string[] = [];
      const subscription = subscribeToEvents(own.url, prefix, (e) => e.type === "chat.typing" && received.push(e.visitorId), createLogger("silent"));
      try {
        // An id from a clock far ahead (a replica whose clock differs), read by the subscriber.
        await eventually(async () => {
          await admin.xadd(eventStreamKey(prefix), `${Date.now() + 10 * 365 * 86_400_000}-0`, "e", JSON.stringify(typing("ahead"))).catch(() => null);
          return received.includes("ahead");
        }, { intervalMs: 200 });
        await own.kill();
        await own.start();
        await eventually(async () => {
          await publisher.publish(typing("after the restart"));
          return received.includes("after the restart");
        }, { intervalMs: 200, timeoutMs: 8000 });
      } finally {
        await subscription.close();
      }
    } finally {
      admin.disconnect();
      await own.stop();
    }
  });
});

describe("an auto-offline check that Redis lost", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ start: { sweepEveryMs: 250, disconnectGraceMs: 300 } });
  });
  afterAll(async () => app?.close());

  it("is derived again by the sweep: an available agent with no socket anywhere goes offline, one still connected stays", async () => {
    // Offline until `here` is connected: a slow sign-in must not leave them available with no socket for the sweep to find.
    const gone = await createAgent(app.pool);
    const here = await createAgent(app.pool);
    await app.connectAgent(await app.login(here.email));
    // Both became available a while ago; the job that would have checked `gone` after their tab closed is lost.
    await app.pool.query(`UPDATE agents SET presence = 'available', presence_changed_at = now() - interval '1 minute' WHERE id = ANY($1)`, [[gone.id, here.id]]);
    await eventually(async () => (await app.pool.query(`SELECT presence FROM agents WHERE id = $1`, [gone.id])).rows[0].presence === "offline", { timeoutMs: 10_000 });
    // The checks the sweep queued have all run: the connected agent is still available.
    await waitForQueuesToDrain(app.sb.queues, { names: ["maintenance"] });
    expect((await app.pool.query(`SELECT presence FROM agents WHERE id = $1`, [here.id])).rows[0].presence).toBe("available");
  });
});
