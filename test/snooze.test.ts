// Snooze: a conversation leaves its agent's active list until a time, then comes back routed (an offer
// is made), or sooner: at the customer's next SMS, chat message or email, or when its agent wakes it.
// Whatever woke it, the timer then does nothing. Only its agent or a supervisor snoozes it.
import { randomBytes, randomUUID } from "node:crypto";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationView, MyWorkResponse } from "../shared/api.ts";
import { withTransaction } from "../server/db/client.ts";
import { reopenOrTouch } from "../server/domain/email/threads.ts";
import { endSnooze, sweepSnoozes } from "../server/domain/snooze/wake-snoozed.ts";
import { snoozeJobId } from "../server/jobs/queues.ts";
import { connectVisitor, type VisitorSocket } from "./support/chat-visitor.ts";
import { createConversation } from "./support/conversations.ts";
import { postSignedForm } from "./support/twilio-webhooks.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
let t: TestApp;
let olive: { id: string; cookie: string; updates: ConversationView[]; socket: Socket };
let otto: { id: string; cookie: string };
let sue: { id: string; cookie: string };
let widgetKey: string;
const visitors: VisitorSocket[] = [];
let phoneSeq = 100;

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
type ErrorReply = { error?: { code: string; details?: unknown } };

const conversation = async (id: string) =>
  (await t.pool.query(`SELECT status, assigned_agent_id, snoozed_until, waiting_since FROM conversations WHERE id = $1`, [id])).rows[0] as {
    status: string; assigned_agent_id: string | null; snoozed_until: Date | null; waiting_since: Date | null;
  };
const events = async (id: string, event: string) =>
  (await t.pool.query(`SELECT body, metadata FROM messages WHERE conversation_id = $1 AND kind = 'event' AND metadata->>'event' = $2 ORDER BY created_at`, [id, event])).rows;
const pendingOffer = (conversationId: string) =>
  eventually(async () => (await t.pool.query<{ id: string; agent_id: string }>(`SELECT id, agent_id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0], { timeoutMs: 10_000 });

/** Olive takes the offer of this conversation: it is hers, assigned. */
async function acceptFor(conversationId: string): Promise<void> {
  const offer = await pendingOffer(conversationId);
  expect(offer.agent_id).toBe(olive.id);
  expect((await t.api(olive.cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
}

/** A customer texts in and Olive accepts: an SMS conversation assigned to her. */
async function oliveSms(): Promise<{ id: string; phone: string }> {
  const phone = `+1720555${String(phoneSeq++).padStart(4, "0")}`;
  const { messageSid } = await t.sendSms({ From: phone, Body: "My order is late" });
  const { rows } = await t.pool.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [messageSid]);
  await acceptFor(rows[0].conversation_id);
  return { id: rows[0].conversation_id, phone };
}

const snooze = (cookie: string, id: string, until: string) => t.api<{ conversation: ConversationView } & ErrorReply>(cookie, "POST", `/api/conversations/${id}/snooze`, { until });

beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  const o = await createAgent(t.pool, { name: "Olive Owner", presence: "available", capacity: { sms: 20, chat: 10 } });
  const oliveCookie = await t.login(o.email);
  const socket = await t.connectAgent(oliveCookie);
  const updates: ConversationView[] = [];
  socket.on("conversation:updated", (c: ConversationView) => updates.push(c));
  olive = { id: o.id, cookie: oliveCookie, updates, socket };
  const other = await createAgent(t.pool, { name: "Otto Other" });
  otto = { id: other.id, cookie: await t.login(other.email) };
  const s = await createAgent(t.pool, { name: "Sue Supervisor", role: "supervisor" });
  sue = { id: s.id, cookie: await t.login(s.email) };
  const admin = await createAgent(t.pool, { role: "admin" });
  const created = await t.api<{ widget: { publicKey: string } }>(await t.login(admin.email), "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] });
  widgetKey = created.body.widget.publicKey;
});
afterAll(async () => {
  for (const v of visitors) v.disconnect();
  await t?.close();
});

describe("snoozing a conversation", () => {
  it("takes it out of the active list into the snoozed one, on the timeline and audited; bad times are refused", async () => {
    const c = await oliveSms();
    for (const [until, code] of [[inMs(-1000), "VALIDATION"], [inMs(91 * 24 * 3_600_000), "VALIDATION"], ["soon", "VALIDATION"]] as const) {
      const res = await snooze(olive.cookie, c.id, until);
      expect({ until, status: res.status, code: res.body.error?.code }).toEqual({ until, status: 400, code });
    }
    const until = inMs(3_600_000);
    const res = await snooze(olive.cookie, c.id, until);
    expect(res.status).toBe(200);
    expect(res.body.conversation).toMatchObject({ status: "snoozed", assignedAgentId: olive.id, snoozedUntil: until });

    const work = await t.api<MyWorkResponse>(olive.cookie, "GET", "/api/me/work");
    expect(work.body.conversations.map((x) => x.id)).not.toContain(c.id);
    expect(work.body.snoozed.map((x) => x.id)).toContain(c.id);
    await eventually(async () => olive.updates.some((u) => u.id === c.id && u.status === "snoozed"));
    expect((await events(c.id, "snoozed"))[0].body).toMatch(/^Olive Owner snoozed the conversation until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    const audit = await t.pool.query(`SELECT actor_id, data FROM audit_events WHERE entity_id = $1 AND action = 'conversation_snoozed'`, [c.id]);
    expect(audit.rows).toEqual([{ actor_id: olive.id, data: { until, fromStatus: "assigned" } }]);
    // Out of her load: her SMS count no longer holds it.
    const load = await t.pool.query(`SELECT count(*)::int AS n FROM conversations WHERE assigned_agent_id = $1 AND channel = 'sms' AND status IN ('assigned', 'pending_customer')`, [olive.id]);
    expect((await t.pool.query(`SELECT assigned FROM agent_loads WHERE agent_id = $1 AND channel = 'sms'`, [olive.id])).rows[0].assigned).toBe(load.rows[0].n);
  });

  it("wakes at its time, back in its queue: an offer is made, and the agent who had it sees it go", async () => {
    const c = await oliveSms();
    const until = inMs(1500);
    expect((await snooze(olive.cookie, c.id, until)).status).toBe(200);
    const offer = await pendingOffer(c.id);
    expect(offer.agent_id).toBe(olive.id);
    const ended = await events(c.id, "snooze_ended");
    expect(ended.map((e) => ({ ...e.metadata, snoozedUntil: new Date(e.metadata.snoozedUntil).toISOString() }))).toEqual([
      { event: "snooze_ended", reason: "time", snoozedUntil: until, previousAgentId: olive.id },
    ]);
    const now = await conversation(c.id);
    expect(now).toMatchObject({ status: "offered", snoozed_until: null });
    expect(now.waiting_since!.getTime()).toBeGreaterThanOrEqual(new Date(until).getTime() - 1000);
    await eventually(async () => olive.updates.some((u) => u.id === c.id && u.status === "queued" && u.assignedAgentId === null));
    const work = await t.api<MyWorkResponse>(olive.cookie, "GET", "/api/me/work");
    expect(work.body.snoozed.map((x) => x.id)).not.toContain(c.id);
    expect(work.body.offers.map((o) => o.conversation.id)).toContain(c.id);
    await t.api(olive.cookie, "POST", `/api/offers/${offer.id}/accept`);
  });

  it("whose job Redis lost gets it again from the sweep; past its time, the sweep wakes it, once", async () => {
    const c = await oliveSms();
    const until = inMs(30 * 60_000);
    expect((await snooze(olive.cookie, c.id, until)).status).toBe(200);
    const jobId = snoozeJobId(c.id, new Date(until));
    await t.sb.queues.followUps.remove(jobId);
    expect(await t.sb.queues.followUps.getJob(jobId)).toBeUndefined();
    const deps = { pool: t.pool, events: t.sb.events, queues: t.sb.queues };
    expect((await sweepSnoozes(deps)).scheduled).toBeGreaterThanOrEqual(1);
    expect(await (await t.sb.queues.followUps.getJob(jobId))?.getState()).toBe("delayed");

    // Its time has passed while Redis held no job for it.
    await t.pool.query(`UPDATE conversations SET snoozed_until = now() - interval '1 minute' WHERE id = $1`, [c.id]);
    expect((await sweepSnoozes(deps, { graceSeconds: 0 })).woken).toBe(1);
    expect((await sweepSnoozes(deps, { graceSeconds: 0 })).woken).toBe(0);
    await pendingOffer(c.id);
    expect((await events(c.id, "snooze_ended")).map((e) => e.metadata.reason)).toEqual(["time"]);
    // The job the sweep made earlier runs one day and finds another snooze (none): nothing.
    expect(await endSnooze(deps, { conversationId: c.id, until: new Date(until) })).toEqual({ outcome: "nothing" });
  });

  it("wakes at the customer's next SMS before its time; the timer then does nothing", async () => {
    const c = await oliveSms();
    const until = inMs(2500);
    expect((await snooze(olive.cookie, c.id, until)).status).toBe(200);
    await t.sendSms({ From: c.phone, Body: "Here is the tracking number" });
    await pendingOffer(c.id);
    expect((await events(c.id, "snooze_ended")).map((e) => e.metadata.reason)).toEqual(["customer_message"]);
    // Its time passes and its job runs (and is gone): nothing more happens.
    const job = await t.sb.queues.followUps.getJob(snoozeJobId(c.id, new Date(until)));
    expect(await job?.getState()).toBe("delayed");
    await eventually(async () => (await t.sb.queues.followUps.getJob(snoozeJobId(c.id, new Date(until)))) === undefined, { timeoutMs: 10_000 });
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing"] });
    expect(await endSnooze({ pool: t.pool, events: t.sb.events, queues: t.sb.queues }, { conversationId: c.id, until: new Date(until) })).toEqual({ outcome: "nothing" });
    expect(await events(c.id, "snooze_ended")).toHaveLength(1);
    expect((await conversation(c.id)).status).toBe("offered");
  });

  it("wakes at the customer's next chat message", async () => {
    const v = await connectVisitor(t.url, { widgetKey, origin: SITE });
    visitors.push(v.socket);
    expect(await v.socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "Hello?" })).toMatchObject({ ok: true });
    const { rows } = await t.pool.query(`SELECT id FROM conversations WHERE channel = 'chat' AND customer_address = $1`, [v.session.visitorId]);
    const id: string = rows[0].id;
    await acceptFor(id);
    expect((await snooze(olive.cookie, id, inMs(3_600_000))).status).toBe(200);
    expect(await v.socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "Back now" })).toMatchObject({ ok: true });
    await pendingOffer(id);
    expect((await events(id, "snooze_ended")).map((e) => e.metadata.reason)).toEqual(["customer_message"]);
  });

  it("wakes at the customer's next call when its conversation is a call (a call joins their open voice conversation)", async () => {
    const voicemail = await createConversation(t.pool, { channel: "voice", assignedAgentId: olive.id });
    await t.pool.query(`UPDATE messages SET metadata = '{"callStatus":"completed"}' WHERE conversation_id = $1`, [voicemail.id]);
    expect((await snooze(olive.cookie, voicemail.id, inMs(3_600_000))).status).toBe(200);
    const path = "/webhooks/twilio/voice";
    const params = { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", CallSid: `CA${randomBytes(16).toString("hex")}`, From: voicemail.phone, To: "+14155550100", CallStatus: "ringing" };
    const res = await postSignedForm({ url: t.url + path, signatureUrl: t.config.publicUrl + path, authToken: t.fake.authToken, params });
    expect(res.status).toBe(200);
    expect(await conversation(voicemail.id)).toMatchObject({ status: "queued", assigned_agent_id: null, snoozed_until: null });
    expect((await events(voicemail.id, "snooze_ended")).map((e) => e.metadata.reason)).toEqual(["customer_message"]);
  });

  it("wakes at the customer's next email on the thread", async () => {
    const { rows } = await t.pool.query<{ id: string }>(
      `WITH cu AS (INSERT INTO customers DEFAULT VALUES RETURNING id)
       INSERT INTO conversations (customer_id, channel, status, assigned_agent_id, customer_address, snoozed_until)
       SELECT id, 'email', 'snoozed', $1, 'pat@example.test', now() + interval '1 hour' FROM cu RETURNING id`,
      [olive.id],
    );
    const touched = await withTransaction(t.pool, (tx) => reopenOrTouch(tx, rows[0]!.id, { reopen: true }));
    expect(touched).toMatchObject({ waiting: true, woke: true, row: { status: "queued" } });
    expect(await conversation(rows[0]!.id)).toMatchObject({ status: "queued", assigned_agent_id: null, snoozed_until: null });
    expect((await events(rows[0]!.id, "snooze_ended")).map((e) => e.metadata.reason)).toEqual(["customer_message"]);
  });

  it("is woken early by its agent (back in line, audited); nobody else's agent may snooze or wake it", async () => {
    const c = await oliveSms();
    const notOurs = await snooze(otto.cookie, c.id, inMs(3_600_000));
    expect({ status: notOurs.status, error: notOurs.body.error }).toMatchObject({ status: 403, error: { code: "NOT_ASSIGNED", details: { assignedAgentId: olive.id } } });
    expect((await conversation(c.id)).status).toBe("assigned");
    // A supervisor may snooze anyone's.
    expect((await snooze(sue.cookie, c.id, inMs(3_600_000))).status).toBe(200);
    expect((await t.api<ErrorReply>(otto.cookie, "POST", `/api/conversations/${c.id}/unsnooze`)).body.error?.code).toBe("NOT_ASSIGNED");
    const woke = await t.api<{ conversation: ConversationView }>(olive.cookie, "POST", `/api/conversations/${c.id}/unsnooze`);
    expect(woke.status).toBe(200);
    expect(woke.body.conversation).toMatchObject({ assignedAgentId: null });
    expect(woke.body.conversation.snoozedUntil).toBeUndefined();
    await pendingOffer(c.id);
    expect((await events(c.id, "snooze_ended")).map((e) => [e.body, e.metadata.reason])).toEqual([["Olive Owner ended the snooze", "unsnoozed"]]);
    const audit = await t.pool.query(`SELECT actor_id, action FROM audit_events WHERE entity_id = $1 AND action LIKE 'conversation_%snoozed' ORDER BY created_at`, [c.id]);
    expect(audit.rows).toEqual([{ actor_id: sue.id, action: "conversation_snoozed" }, { actor_id: olive.id, action: "conversation_unsnoozed" }]);
    expect((await t.api<ErrorReply>(sue.cookie, "POST", `/api/conversations/${c.id}/unsnooze`)).body.error?.code).toBe("CONFLICT");
  });

  it("refuses what nobody handles or what is done", async () => {
    const c = await oliveSms();
    await t.api(olive.cookie, "POST", `/api/conversations/${c.id}/resolve`);
    expect((await snooze(olive.cookie, c.id, inMs(60_000))).body.error?.code).toBe("CONFLICT");
    expect((await snooze(olive.cookie, "00000000-0000-0000-0000-000000000000", inMs(60_000))).body.error?.code).toBe("NOT_FOUND");
  });
});
