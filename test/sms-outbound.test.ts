// Outbound SMS: the reply reaches Twilio's API, transient failures retry, permanent ones end failed,
// status callbacks only move forward, and consent (STOP/START) is honoured.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { BUSINESS_NUMBER, eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let cookie: string;
let agentId: string;
beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 50 } });
  agentId = agent.id;
  cookie = await t.login(agent.email);
});
afterAll(async () => t?.close());

let phoneSeq = 300;
const nextPhone = () => `+1212555${String(phoneSeq++).padStart(4, "0")}`;

/** A customer texts in and the agent accepts: returns the conversation id. */
async function assignedConversation(from: string): Promise<string> {
  const res = await t.sendSms({ From: from, Body: "Hi, can you help?" });
  const { conversation_id } = (await t.pool.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [res.messageSid])).rows[0];
  const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversation_id])).rows[0]);
  const accepted = await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
  expect(accepted.status).toBe(200);
  return conversation_id;
}

const reply = (conversationId: string, body: string, idempotencyKey?: string) =>
  t.api<{ message: MessageView; error?: { code: string; message: string } }>(cookie, "POST", `/api/conversations/${conversationId}/messages`, { body, idempotencyKey });

const messageRow = (id: string) =>
  t.pool.query(`SELECT status, external_id, error_code, error_message FROM messages WHERE id = $1`, [id]).then((r) => r.rows[0]);

describe("replying by SMS", () => {
  it("stores the reply as queued and sends exactly that text to that number through Twilio's REST API", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    const res = await reply(conversation, "Sure, what is your order number?");
    expect(res.status).toBe(201);
    expect(res.body.message).toMatchObject({ status: "queued", direction: "outbound", body: "Sure, what is your order number?", authorAgentId: agentId });
    const sent = await t.fake.waitFor((r) => r.form.To === from);
    expect(sent.path).toBe(`/2010-04-01/Accounts/${t.fake.accountSid}/Messages.json`);
    expect(sent.auth).toEqual({ username: t.fake.accountSid, password: t.fake.authToken });
    expect(sent.form).toMatchObject({ To: from, From: BUSINESS_NUMBER, Body: "Sure, what is your order number?" });
    expect(sent.form.StatusCallback).toBe(`${t.config.publicUrl}/webhooks/twilio/sms/status?messageId=${res.body.message.id}`);
    const row = await eventually(async () => {
      const r = await messageRow(res.body.message.id);
      return r.status === "sent" ? r : null;
    });
    expect(row.external_id).toBe((sent.response!.body as { sid: string }).sid);
  });

  it("sends one message when the same reply is submitted twice with one idempotency key", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    const [a, b] = await Promise.all([reply(conversation, "Only once", "key-only-once-1"), reply(conversation, "Only once", "key-only-once-1")]);
    expect(a.body.message.id).toBe(b.body.message.id);
    await t.fake.waitFor((r) => r.form.To === from);
    await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });
    expect(t.fake.messages().filter((r) => r.form.To === from)).toHaveLength(1);
  });

  it("retries a 500 from Twilio and then sends", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    t.fake.failNext(2, { status: 500 });
    const res = await reply(conversation, "Third time lucky");
    const row = await eventually(async () => {
      const r = await messageRow(res.body.message.id);
      return r.status === "sent" ? r : null;
    });
    expect(row.external_id).toMatch(/^SM[0-9a-f]{32}$/);
    const attempts = t.fake.messages().filter((r) => r.form.To === from);
    expect(attempts.map((r) => r.response?.status)).toEqual([500, 500, 201]);
  });

  it("retries dropped connections and 429s too", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    t.fake.dropNext(1);
    t.fake.failNext(1, { status: 429, code: 20429, message: "Too Many Requests" });
    const res = await reply(conversation, "Through the storm");
    await eventually(async () => (await messageRow(res.body.message.id)).status === "sent");
  });

  it("ends failed with Twilio's code and message on a 400, without retrying", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    t.fake.failNext(1, { status: 400, code: 21211, message: "The 'To' number +1212 is not a valid phone number." });
    const res = await reply(conversation, "This will fail");
    const row = await eventually(async () => {
      const r = await messageRow(res.body.message.id);
      return r.status === "failed" ? r : null;
    });
    expect(row).toMatchObject({ error_code: "21211", error_message: "The 'To' number +1212 is not a valid phone number." });
    await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });
    expect(t.fake.messages().filter((r) => r.form.To === from)).toHaveLength(1);
  });

  it("moves delivery status forward only, whatever order callbacks arrive in", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    const socket = await t.connectAgent(cookie);
    const updates: MessageView[] = [];
    socket.on("message:updated", (m) => updates.push(m));
    const res = await reply(conversation, "Status please");
    const sid = await eventually(async () => (await messageRow(res.body.message.id)).external_id as string | null);
    // Twilio may deliver callbacks late, twice and out of order.
    for (const status of ["delivered", "sent", "queued", "sending", "delivered"]) {
      expect((await t.sendStatus(sid, status, { messageId: res.body.message.id })).status).toBe(204);
    }
    expect((await messageRow(res.body.message.id)).status).toBe("delivered");
    await eventually(async () => updates.some((m) => m.id === res.body.message.id && m.status === "delivered"));
    // Delivered is final: a stray failure report afterwards changes nothing.
    expect((await t.sendStatus(sid, "undelivered", { messageId: res.body.message.id, errorCode: "30003" })).status).toBe(204);
    expect(await messageRow(res.body.message.id)).toMatchObject({ status: "delivered", error_code: null });
  });

  it("records a carrier failure from a status callback with Twilio's code", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    const res = await reply(conversation, "To a landline");
    const sid = await eventually(async () => (await messageRow(res.body.message.id)).external_id as string | null);
    await t.sendStatus(sid, "undelivered", { messageId: res.body.message.id, errorCode: "30006" });
    await t.sendStatus(sid, "sent", { messageId: res.body.message.id });
    expect(await messageRow(res.body.message.id)).toMatchObject({ status: "failed", error_code: "30006", error_message: "Landline or unreachable carrier" });
  });

  it("finds the message by its Twilio SID when the callback URL carries no id", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    const res = await reply(conversation, "By SID");
    const sid = await eventually(async () => (await messageRow(res.body.message.id)).external_id as string | null);
    await t.sendStatus(sid, "delivered");
    expect((await messageRow(res.body.message.id)).status).toBe("delivered");
  });

  it("refuses unsigned and malformed status callbacks", async () => {
    const { postSignedForm } = await import("./support/twilio-webhooks.ts");
    const url = `${t.url}/webhooks/twilio/sms/status`;
    const unsigned = await postSignedForm({ url, authToken: t.fake.authToken, params: { MessageSid: "SM" + "a".repeat(32), MessageStatus: "delivered" }, signature: null });
    expect(unsigned.status).toBe(403);
    const malformed = await postSignedForm({
      url,
      signatureUrl: `${t.config.publicUrl}/webhooks/twilio/sms/status`,
      authToken: t.fake.authToken,
      params: { MessageSid: "nope", MessageStatus: "delivered" },
    });
    expect(malformed.status).toBe(400);
  });
});

describe("consent", () => {
  it("records STOP (any case, with spaces) as an opt-out, shows it, and refuses replies without sending", async () => {
    const from = nextPhone();
    const conversation = await assignedConversation(from);
    const stop = await t.sendSms({ From: from, Body: "  stop " });
    expect(stop.status).toBe(200);
    const consent = await t.pool.query(
      `SELECT s.status FROM consents s JOIN identities i ON i.customer_id = s.customer_id WHERE i.value = $1 AND s.channel = 'sms'`,
      [from],
    );
    expect(consent.rows).toEqual([{ status: "opted_out" }]);
    const before = t.fake.messages().length;
    const refused = await reply(conversation, "Are you still there?");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "CONSENT_REVOKED" });
    await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });
    expect(t.fake.messages().length).toBe(before);
    const stored = await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE body = 'Are you still there?'`);
    expect(stored.rows[0].n).toBe(0);

    // START opts back in; the timeline shows both changes.
    await t.sendSms({ From: from, Body: "Start" });
    const ok = await reply(conversation, "Welcome back");
    expect(ok.status).toBe(201);
    await t.fake.waitFor((r) => r.form.To === from && r.form.Body === "Welcome back");
    const customerId = (await t.pool.query(`SELECT customer_id FROM conversations WHERE id = $1`, [conversation])).rows[0].customer_id;
    const timeline = await t.api<{ messages: MessageView[] }>(cookie, "GET", `/api/customers/${customerId}/timeline`);
    const events = timeline.body.messages.filter((m) => m.kind === "event" && /opted/i.test(m.body)).map((m) => m.body);
    expect(events).toEqual([
      "Opted out of SMS (replied STOP)",
      "Opted back in to SMS (replied START)",
    ]);
  });

  it("knows every standard opt-out and opt-in word", async () => {
    const words: [string, string][] = [
      ["STOPALL", "opted_out"], ["unsubscribe", "opted_out"], ["Cancel", "opted_out"], ["END", "opted_out"], ["quit", "opted_out"],
      ["REVOKE", "opted_out"], ["optout", "opted_out"], ["YES", "opted_in"], ["unstop", "opted_in"], ["stop please", "none"],
    ];
    for (const [word, expected] of words) {
      const from = nextPhone();
      await t.sendSms({ From: from, Body: word });
      const { rows } = await t.pool.query(
        `SELECT s.status FROM consents s JOIN identities i ON i.customer_id = s.customer_id WHERE i.value = $1`,
        [from],
      );
      expect({ word, status: rows[0]?.status ?? "none" }).toEqual({ word, status: expected });
    }
  });
});
