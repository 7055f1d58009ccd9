// Each entry point lands in its queue (issue 9, item 1), through the real signed webhooks and the chat
// socket: a text to a number joins that number's SMS queue, a call its voice queue, a chat the widget's
// queue, and anything whose entry point names no queue joins the default queue.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WidgetView } from "../shared/api.ts";
import type { QueueView } from "../shared/queues.ts";
import { connectVisitor } from "./support/chat-visitor.ts";
import { identityHmac } from "../server/domain/chat/link-verified-identity.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";
import { postSignedForm } from "./support/twilio-webhooks.ts";

const SITE = "https://shop.example.test";
const NUMBER_A = "+14155550140";
const UNMAPPED = "+14155550149";

let t: TestApp;
let admin: string;
let defaultQueue: string;
const queues = {} as Record<"sms" | "voice" | "chat", string>;
beforeAll(async () => {
  t = await startTestApp();
  defaultQueue = (await createQueue(t.pool, { name: "Support" })).id;
  admin = await t.login((await createAgent(t.pool, { role: "admin" })).email);
  for (const channel of ["sms", "voice", "chat"] as const) {
    const res = await t.api<{ queue: QueueView }>(admin, "POST", "/api/queues", { name: `${channel} line` });
    queues[channel] = res.body.queue.id;
  }
  const number = await t.api(admin, "POST", "/api/phone-numbers", { number: NUMBER_A, label: "A", smsQueueId: queues.sms, voiceQueueId: queues.voice });
  expect(number.status).toBe(201);
});
afterAll(async () => t?.close());

const queueOfMessage = async (externalId: string) =>
  (
    await t.pool.query<{ queue_id: string; status: string }>(
      `SELECT cv.queue_id, cv.status FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.external_id = $1`,
      [externalId],
    )
  ).rows[0];

let phoneSeq = 100;
const nextPhone = () => `+1212555${String(phoneSeq++).padStart(4, "0")}`;

async function call(to: string): Promise<string> {
  const callSid = newSid("CA");
  const path = "/webhooks/twilio/voice";
  const res = await postSignedForm({
    url: t.url + path,
    signatureUrl: t.config.publicUrl + path,
    authToken: t.fake.authToken,
    params: { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", CallSid: callSid, From: nextPhone(), To: to, CallStatus: "ringing" },
  });
  expect(res.status).toBe(200);
  return callSid;
}

describe("each entry point", () => {
  it("an SMS to number A lands in A's SMS queue", async () => {
    const sms = await t.sendSms({ From: nextPhone(), To: NUMBER_A });
    expect(sms.status).toBe(200);
    expect(await queueOfMessage(sms.messageSid)).toEqual({ queue_id: queues.sms, status: "queued" });
  });

  it("a call to number A lands in A's voice queue", async () => {
    expect(await queueOfMessage(await call(NUMBER_A))).toEqual({ queue_id: queues.voice, status: "queued" });
  });

  it("a chat from widget W lands in W's queue, set when the widget is created or changed later", async () => {
    const created = await t.api<{ widget: WidgetView }>(admin, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE], queueId: queues.voice });
    expect(created.body.widget.queueId).toBe(queues.voice);
    const changed = await t.api<{ widget: WidgetView }>(admin, "PUT", `/api/widgets/${created.body.widget.publicKey}`, { queueId: queues.chat });
    expect(changed.body.widget.queueId).toBe(queues.chat);
    const { socket, session } = await connectVisitor(t.url, { widgetKey: created.body.widget.publicKey, origin: SITE });
    try {
      const clientId = randomUUID();
      expect(await socket.emitWithAck("chat:send", { clientId, body: "Do you ship to Canada?" })).toMatchObject({ ok: true });
      expect(await queueOfMessage(`${session.visitorId}:${clientId}`)).toEqual({ queue_id: queues.chat, status: "queued" });
    } finally {
      socket.disconnect();
    }
  });

  it("a widget tells its visitors its own queue's hours and longest wait, and a message left lands in that queue", async () => {
    const closedDesk = (await createQueue(t.pool, { name: "Closed desk" })).id;
    await t.pool.query(
      `UPDATE queues SET timezone = 'Pacific/Kiritimati', business_hours = '{"sun": [["03:00", "03:01"]]}', max_wait_seconds = 45 WHERE id = $1`,
      [closedDesk],
    );
    const closed = await t.api<{ widget: WidgetView }>(admin, "POST", "/api/widgets", { name: "After hours", allowedOrigins: [SITE], queueId: closedDesk });
    const open = await t.api<{ widget: WidgetView }>(admin, "POST", "/api/widgets", { name: "Main site", allowedOrigins: [SITE] });
    const atClosed = await connectVisitor(t.url, { widgetKey: closed.body.widget.publicKey, origin: SITE });
    const atOpen = await connectVisitor(t.url, { widgetKey: open.body.widget.publicKey, origin: SITE });
    try {
      expect(atClosed.session.availability).toMatchObject({ open: false, maxWaitSeconds: 45 });
      expect(atOpen.session.availability.open).toBe(true);
      const clientId = randomUUID();
      const left = await atClosed.socket.emitWithAck("chat:leave-message", { clientId, email: "late@example.test", body: "Call me tomorrow" });
      expect(left).toMatchObject({ ok: true });
      const { rows } = await t.pool.query(`SELECT cv.queue_id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.external_id = $1`, [
        `${atClosed.session.visitorId}:${clientId}`,
      ]);
      expect(rows).toEqual([{ queue_id: closedDesk }]);
    } finally {
      atClosed.socket.disconnect();
      atOpen.socket.disconnect();
    }
  });

  it("an SMS to an unmapped number, or a call to a number without a voice queue, lands in the default queue", async () => {
    const sms = await t.sendSms({ From: nextPhone(), To: UNMAPPED });
    expect(await queueOfMessage(sms.messageSid)).toEqual({ queue_id: defaultQueue, status: "queued" });
    await t.api(admin, "POST", "/api/phone-numbers", { number: UNMAPPED, smsQueueId: queues.sms });
    expect(await queueOfMessage(await call(UNMAPPED))).toEqual({ queue_id: defaultQueue, status: "queued" });
  });

  it("follows the default queue when another becomes the default, and a widget set back to none", async () => {
    await t.api(admin, "PUT", `/api/queues/${queues.chat}`, { isDefault: true });
    try {
      const sms = await t.sendSms({ From: nextPhone(), To: "+14155550148" });
      expect(await queueOfMessage(sms.messageSid)).toEqual({ queue_id: queues.chat, status: "queued" });
    } finally {
      await t.api(admin, "PUT", `/api/queues/${defaultQueue}`, { isDefault: true });
    }
    const widget = await t.api<{ widget: WidgetView }>(admin, "POST", "/api/widgets", { name: "Blog", allowedOrigins: [SITE], queueId: queues.chat });
    await t.api(admin, "PUT", `/api/widgets/${widget.body.widget.publicKey}`, { queueId: null });
    const { socket, session } = await connectVisitor(t.url, { widgetKey: widget.body.widget.publicKey, origin: SITE });
    try {
      const clientId = randomUUID();
      await socket.emitWithAck("chat:send", { clientId, body: "Hello from the blog" });
      expect(await queueOfMessage(`${session.visitorId}:${clientId}`)).toEqual({ queue_id: defaultQueue, status: "queued" });
    } finally {
      socket.disconnect();
    }
  });

  it("an admin changes a widget's allowed origins and rotates its identity secret: the old site and the old secret are refused from then on, audited", async () => {
    const other = "https://blog.example.test";
    const created = (await t.api<{ widget: WidgetView }>(admin, "POST", "/api/widgets", { name: "Moving", allowedOrigins: [SITE] })).body.widget;
    const moved = await t.api<{ widget: WidgetView }>(admin, "PUT", `/api/widgets/${created.publicKey}`, { allowedOrigins: [other, other] });
    expect(moved.body.widget.allowedOrigins).toEqual([other]);
    await expect(connectVisitor(t.url, { widgetKey: created.publicKey, origin: SITE })).rejects.toMatchObject({ data: { code: "ORIGIN_NOT_ALLOWED" } });
    (await connectVisitor(t.url, { widgetKey: created.publicKey, origin: other })).socket.disconnect();
    const bad = await t.api<{ error: { code: string } }>(admin, "PUT", `/api/widgets/${created.publicKey}`, { allowedOrigins: ["https://blog.example.test/path"] });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);

    const email = "rotating@example.test";
    const signedWithOld = { kind: "email" as const, value: email, hmac: identityHmac(created.identitySecret!, email) };
    const rotated = await t.api<{ widget: WidgetView }>(admin, "POST", `/api/widgets/${created.publicKey}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.widget.identitySecret).not.toBe(created.identitySecret);
    await expect(connectVisitor(t.url, { widgetKey: created.publicKey, origin: other, identity: signedWithOld })).rejects.toMatchObject({ data: { code: "IDENTITY_INVALID" } });
    const signedWithNew = { kind: "email" as const, value: email, hmac: identityHmac(rotated.body.widget.identitySecret!, email) };
    (await connectVisitor(t.url, { widgetKey: created.publicKey, origin: other, identity: signedWithNew })).socket.disconnect();

    const audit = await t.pool.query(`SELECT action, data FROM audit_events WHERE entity_id = $1 ORDER BY created_at`, [created.publicKey]);
    expect(audit.rows.map((r) => r.action)).toEqual(["widget_created", "widget_updated", "widget_secret_rotated"]);
    expect(JSON.stringify(audit.rows)).not.toContain(rotated.body.widget.identitySecret!);
    const missing = await t.api<{ error: { code: string } }>(admin, "POST", `/api/widgets/wk_nosuchwidget/rotate-secret`);
    expect([missing.status, missing.body.error.code]).toEqual([404, "NOT_FOUND"]);
  });
});
