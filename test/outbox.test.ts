// The outbox: a reply committed as `queued` always ends sent, delivered or failed with the reason, and is
// never sent twice: not when Redis lost its job, not when Twilio's answer never came, not when the
// database or Redis failed after Twilio accepted it, and not when the worker died mid-burst.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelState, MessageView } from "../shared/api.ts";
import type { ChannelHealth } from "../shared/api.ts";
import { sweepOutbox } from "../server/domain/outbound/sweep-outbox.ts";
import type { Logger } from "../server/log.ts";
import { createAgent, createAssignedConversation } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.ts";

const logged: { level: string; msg: string }[] = [];
const log: Logger = {
  debug: () => {},
  info: (msg) => logged.push({ level: "info", msg }),
  warn: (msg) => logged.push({ level: "warn", msg }),
  error: (msg) => logged.push({ level: "error", msg }),
};

let phoneSeq = 100;
const nextPhone = () => `+1646555${String(phoneSeq++).padStart(4, "0")}`;

/** Every request the fake got to create a message to this number, with Twilio's answer. */
const postsTo = (t: TestApp, to: string) => t.fake.messages().filter((r) => r.form.To === to);

function helpers(t: () => TestApp, cookie: () => string) {
  return {
    reply: (conversationId: string, body: string) =>
      t().api<{ message: MessageView }>(cookie(), "POST", `/api/conversations/${conversationId}/messages`, { body }),
    row: (id: string) =>
      t().pool.query(`SELECT status, external_id, error_code, error_message FROM messages WHERE id = $1`, [id]).then((r) => r.rows[0]),
    sentRow: (id: string, timeoutMs = 10_000) =>
      eventually(
        async () => {
          const r = (await t().pool.query(`SELECT status, external_id, error_message FROM messages WHERE id = $1`, [id])).rows[0];
          return r.status === "sent" ? r : null;
        },
        { timeoutMs },
      ),
  };
}

describe("outbound is an outbox", () => {
  let t: TestApp;
  let cookie: string;
  let agentId: string;
  const h = helpers(() => t, () => cookie);

  beforeAll(async () => {
    t = await startTestApp({
      start: { log },
      // A Twilio call that has not answered in 400 ms has an unknown outcome.
      configure: (c) => {
        c.sms!.requestTimeoutMs = 400;
        c.sendLeaseMs = 1500;
      },
    });
    const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 50 } });
    agentId = agent.id;
    cookie = await t.login(agent.email);
  });
  afterAll(async () => t?.close());

  const conversation = async (phone: string) => (await createAssignedConversation(t.pool, { agentId, customerPhone: phone })).id;

  it("sends, once, a reply whose job never reached Redis: the sweep queues it under its own id", async () => {
    const phone = nextPhone();
    const queues = t.sb.queues;
    const sendMessage = queues.sendMessage;
    queues.sendMessage = async () => {
      throw new Error("injected: Redis refused the job");
    };
    let res;
    try {
      res = await h.reply(await conversation(phone), "Your order ships today");
    } finally {
      queues.sendMessage = sendMessage;
    }
    // Committed, so the agent is told it is on its way, even though no job exists yet.
    expect(res.status).toBe(201);
    expect(res.body.message.status).toBe("queued");
    await waitForQueuesToDrain(queues, { names: ["outbound"] });
    expect(postsTo(t, phone)).toHaveLength(0);

    // Past the sweep's grace, two sweeps at once (two worker processes) queue one send.
    await t.pool.query(`UPDATE messages SET created_at = created_at - interval '1 minute' WHERE id = $1`, [res.body.message.id]);
    await Promise.all([sweepOutbox({ pool: t.pool, queues }), sweepOutbox({ pool: t.pool, queues })]);
    const row = await h.sentRow(res.body.message.id);
    await waitForQueuesToDrain(queues, { names: ["outbound"] });
    await sweepOutbox({ pool: t.pool, queues });
    await waitForQueuesToDrain(queues, { names: ["outbound"] });
    expect(postsTo(t, phone).map((r) => r.response?.status)).toEqual([201]);
    expect(row.external_id).toBe((postsTo(t, phone)[0]!.response!.body as { sid: string }).sid);
  });

  it("looks up a message whose Twilio answer never came, and does not send it again", async () => {
    const phone = nextPhone();
    // Twilio takes the message, but answers long after our client gave up.
    t.fake.delayNext(1, 2000);
    const res = await h.reply(await conversation(phone), "Did this arrive?");
    const row = await h.sentRow(res.body.message.id);
    const posts = postsTo(t, phone);
    expect(posts).toHaveLength(1);
    const accepted = t.fake.acceptedMessages().find((m) => m.to === phone)!;
    expect(row.external_id).toBe(accepted.sid);
    // The retry asked Twilio first: a list of the messages to that number.
    const lookups = t.fake.requests.filter((r) => r.method === "GET" && r.path.endsWith("/Messages.json") && r.query.To === phone);
    expect(lookups.length).toBeGreaterThanOrEqual(1);
  });

  it("does not look anything up after a failure Twilio answered: it cannot have the message", async () => {
    const phone = nextPhone();
    t.fake.failNext(1, { status: 503 });
    const res = await h.reply(await conversation(phone), "Second try goes through");
    await h.sentRow(res.body.message.id);
    expect(postsTo(t, phone).map((r) => r.response?.status)).toEqual([503, 201]);
    expect(t.fake.requests.filter((r) => r.method === "GET" && r.query.To === phone)).toHaveLength(0);
  });

  it("once Twilio accepted, a failing database write neither sends it again nor marks it failed", async () => {
    const phone = nextPhone();
    // The first write of the provider's id fails, as if the database went away right after Twilio answered.
    await t.pool.query(`
      CREATE SEQUENCE IF NOT EXISTS test_fault_once;
      CREATE OR REPLACE FUNCTION test_fail_sid_write_once() RETURNS trigger AS $$
      BEGIN
        IF NEW.body = 'write fails once' AND NEW.external_id IS NOT NULL AND OLD.external_id IS NULL
           AND nextval('test_fault_once') = 1 THEN
          RAISE EXCEPTION 'injected: the database write failed';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      DROP TRIGGER IF EXISTS test_fail_sid_write_once ON messages;
      CREATE TRIGGER test_fail_sid_write_once BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION test_fail_sid_write_once();
    `);
    const res = await h.reply(await conversation(phone), "write fails once");
    const row = await h.sentRow(res.body.message.id);
    expect(postsTo(t, phone)).toHaveLength(1);
    expect(row.error_message).toBeNull();
    expect(row.external_id).toBe((postsTo(t, phone)[0]!.response!.body as { sid: string }).sid);
    // The fault did fire (then the write that followed went through).
    expect(Number((await t.pool.query(`SELECT last_value FROM test_fault_once`)).rows[0].last_value)).toBeGreaterThanOrEqual(2);
  });

  it("once the status is stored, a failed live push does not send it again", async () => {
    const phone = nextPhone();
    const events = t.sb.events;
    const publish = events.publish;
    let refused = 0;
    events.publish = async (...e) => {
      if (e.some((x) => x.type === "message.updated")) {
        refused++;
        throw new Error("injected: Redis refused the event");
      }
      return publish.apply(events, e);
    };
    try {
      const res = await h.reply(await conversation(phone), "Pushed or not, sent once");
      await h.sentRow(res.body.message.id);
      await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });
    } finally {
      events.publish = publish;
    }
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(postsTo(t, phone)).toHaveLength(1);
  });
});

describe("a provider that refuses our credentials", () => {
  let t: TestApp;
  let cookie: string;
  let agentId: string;
  const h = helpers(() => t, () => cookie);

  beforeAll(async () => {
    t = await startTestApp({ start: { log } });
    const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 50 } });
    agentId = agent.id;
    cookie = await t.login(agent.email);
  });
  afterAll(async () => t?.close());

  it("marks the channel failing once, holds its sends, and sends them all when a probe goes through", async () => {
    const socket = await t.connectAgent(cookie);
    const phone = nextPhone();
    const { id: conversationId } = await createAssignedConversation(t.pool, { agentId, customerPhone: phone });
    logged.length = 0;

    t.fake.failNext(1, { status: 401, code: 20003, message: "Authenticate" });
    const failing = nextEvent<ChannelHealth>(socket, "channel:health", (e) => e.status === "failing");
    const first = await h.reply(conversationId, "First, refused");
    expect((await failing).errorCode).toBe("20003");
    const second = await h.reply(conversationId, "Second, held");
    await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });

    // Held, not failed one by one; only the first ever reached Twilio.
    expect((await h.row(first.body.message.id)).status).toBe("queued");
    expect((await h.row(second.body.message.id)).status).toBe("queued");
    expect(postsTo(t, phone).map((r) => r.response?.status)).toEqual([401]);
    expect(logged.filter((l) => l.level === "error" && l.msg.startsWith("channel failing"))).toHaveLength(1);

    // Everyone sees it: the channels API (the banner) and /readyz, which stays ready.
    const channels = await t.api<{ channels: ChannelState[] }>(cookie, "GET", "/api/channels");
    expect(channels.body.channels.find((c) => c.channel === "sms")!.failing).toMatchObject({ status: "failing", errorCode: "20003" });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { channels: Record<string, string> }).channels.sms).toMatch(/failing/);

    // The sweep probes with the oldest held send; Twilio takes it, so the channel recovers and the rest go out.
    const recovered = nextEvent<ChannelHealth>(socket, "channel:health", (e) => e.status === "ok");
    await sweepOutbox({ pool: t.pool, queues: t.sb.queues });
    await recovered;
    await h.sentRow(first.body.message.id);
    await h.sentRow(second.body.message.id);
    const bodies = postsTo(t, phone).filter((r) => r.response?.status === 201).map((r) => r.form.Body);
    expect(bodies.sort()).toEqual(["First, refused", "Second, held"]);
    const after = await t.api<{ channels: ChannelState[] }>(cookie, "GET", "/api/channels");
    expect(after.body.channels.find((c) => c.channel === "sms")!.failing).toBeNull();
  });
});

describe("a worker killed mid-burst", () => {
  let t: TestApp;
  let cookie: string;
  let agentId: string;
  const workers: WorkerProcess[] = [];
  const h = helpers(() => t, () => cookie);

  beforeAll(async () => {
    // This server runs no workers: the sends happen in separate processes that the test can kill.
    t = await startTestApp({ start: { runWorkers: false }, configure: (c) => (c.sendLeaseMs = 1500) });
    const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 50 } });
    agentId = agent.id;
    cookie = await t.login(agent.email);
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await t?.close();
  });

  it("sends each of 50 replies exactly once", async () => {
    const phone = nextPhone();
    const { id: conversationId } = await createAssignedConversation(t.pool, { agentId, customerPhone: phone });
    t.fake.setLatency(400);
    const first = await startWorkerProcess(t.config, { outboundLockMs: 1000, outboundBackoffMs: 50 });
    workers.push(first);
    const bodies = Array.from({ length: 50 }, (_, i) => `Reply number ${i + 1}`);
    const replies = [];
    for (const body of bodies) replies.push(await h.reply(conversationId, body));
    // Kill it while Twilio is answering several of its requests: those outcomes die with it.
    await eventually(async () => postsTo(t, phone).filter((r) => r.response === null).length >= 4, { timeoutMs: 20_000, intervalMs: 5 });
    // Counted as the signal goes, not after the process is reaped: on a busy machine reaping it can take
    // longer than the fake's latency, and the fake then records answers nobody received.
    const killed = first.kill();
    const inFlight = postsTo(t, phone).filter((r) => r.response === null).length;
    await killed;
    t.fake.setLatency(0);
    workers.push(await startWorkerProcess(t.config, { outboundLockMs: 1000, outboundBackoffMs: 50 }));

    for (const r of replies) await h.sentRow(r.body.message.id, 30_000);
    const accepted = t.fake.acceptedMessages().filter((m) => m.to === phone);
    expect(accepted.map((m) => m.body).sort()).toEqual([...bodies].sort());
    const { rows } = await t.pool.query(`SELECT body, external_id FROM messages WHERE conversation_id = $1 AND direction = 'outbound'`, [conversationId]);
    expect(new Map(rows.map((r) => [r.body, r.external_id]))).toEqual(new Map(accepted.map((m) => [m.body, m.sid])));
    // The kill did cut requests off mid-answer (otherwise this test proves nothing).
    expect(inFlight).toBeGreaterThan(0);
  }, 60_000);
});
