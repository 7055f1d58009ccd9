// The consent ledger: every consent write (a customer's STOP and START, an unsubscribe, an agent's
// record, do-not-call) is a ledger row and a timeline event, and every send path honours an opt-out:
// SMS reply, email reply, new email, email acknowledgement, click-to-call, a callback, and a message
// queued before the opt-out arrived.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView } from "../shared/api.ts";
import type { ConsentLedger } from "../shared/privacy.ts";
import { queueAcknowledgement } from "../server/domain/email/acknowledgement.ts";
import { createConversation } from "./support/conversations.ts";
import { createEmailConversation } from "./support/email-messages.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let agent: { id: string; name: string };
let cookie: string;
let queueId: string;
beforeAll(async () => {
  t = await startTestApp({
    env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) },
  });
  queueId = (await createQueue(t.pool, { name: "Support" })).id;
  const a = await createAgent(t.pool, { name: "Casey Consent", presence: "available", capacity: { sms: 50 } });
  agent = a;
  cookie = await t.login(a.email);
});
afterAll(async () => t?.close());

let seq = 100;
const nextPhone = () => `+1303555${String(seq++).padStart(4, "0")}`;
const callsTo = (to: string) => t.fake.calls().filter((r) => r.form.To === to);
/** Whether ingest would queue the acknowledgement now (in a transaction rolled back: nothing is kept). */
async function wouldAcknowledge(conversationId: string): Promise<string | null> {
  const client = await t.pool.connect();
  try {
    await client.query("BEGIN");
    return await queueAcknowledgement(client, { conversationId, autoRepliesPerDay: 10 });
  } finally {
    await client.query("ROLLBACK");
    client.release();
  }
}
const ledger = (customerId: string) => t.api<{ ledger: ConsentLedger }>(cookie, "GET", `/api/customers/${customerId}/consents`).then((r) => r.body.ledger);

describe("SMS STOP and START", () => {
  it("are two ledger rows and two timeline events, and a reply while opted out never reaches Twilio", async () => {
    const from = nextPhone();
    const first = await t.sendSms({ From: from, Body: "Hi, where is my parcel?" });
    const { conversation_id: conversationId, customer_id: customerId } = (await t.pool.query(`SELECT conversation_id, customer_id FROM messages WHERE external_id = $1`, [first.messageSid])).rows[0];
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0]);
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);

    const stop = await t.sendSms({ From: from, Body: " Stop " });
    expect(stop.status).toBe(200);
    const stopMessageId = (await t.pool.query(`SELECT id FROM messages WHERE external_id = $1`, [stop.messageSid])).rows[0].id;
    const sentBefore = t.fake.messages().length;
    const refused = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${conversationId}/messages`, { body: "Still there?" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("CONSENT_REVOKED");
    await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });
    expect(t.fake.messages().filter((m) => m.form.To === from)).toHaveLength(0);
    expect(t.fake.messages().length).toBe(sentBefore);

    const start = await t.sendSms({ From: from, Body: "START" });
    expect(start.status).toBe(200);

    const l = await ledger(customerId);
    expect(l.current).toEqual([expect.objectContaining({ channel: "sms", status: "opted_in", source: "sms_start" })]);
    // Newest first: START, then STOP with the customer's own message as evidence.
    expect(l.changes.map((c) => [c.channel, c.status, c.source])).toEqual([["sms", "opted_in", "sms_start"], ["sms", "opted_out", "sms_stop"]]);
    expect(l.changes[1]).toMatchObject({ evidenceMessageId: stopMessageId, evidence: " Stop ", actor: null });

    const events = await t.pool.query(
      `SELECT body, metadata, conversation_id FROM messages WHERE customer_id = $1 AND kind = 'event' AND metadata->>'event' = 'consent_changed' ORDER BY created_at`,
      [customerId],
    );
    expect(events.rows.map((r) => r.body)).toEqual(["Opted out of SMS (replied STOP)", "Opted back in to SMS (replied START)"]);
    expect(events.rows.map((r) => r.metadata)).toEqual([
      { event: "consent_changed", channel: "sms", status: "opted_out", source: "sms_stop" },
      { event: "consent_changed", channel: "sms", status: "opted_in", source: "sms_start" },
    ]);
    // In the conversation where it happened, and on the timeline the workspace reads.
    expect(events.rows.every((r) => r.conversation_id === conversationId)).toBe(true);
    const timeline = await t.api<{ messages: MessageView[] }>(cookie, "GET", `/api/customers/${customerId}/timeline`);
    expect(timeline.body.messages.filter((m) => m.kind === "event" && /^Opted/.test(m.body)).map((m) => m.body)).toEqual([
      "Opted out of SMS (replied STOP)",
      "Opted back in to SMS (replied START)",
    ]);
  });

  it("a reply queued before the STOP arrived is not sent: it ends failed with CONSENT_REVOKED", async () => {
    const c = await createConversation(t.pool, { channel: "sms", assignedAgentId: agent.id });
    await t.pool.query(`INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, 'sms', 'opted_out', 'sms_stop')`, [c.customerId]);
    const { rows } = await t.pool.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id)
       VALUES ($1, $2, 'sms', 'outbound', 'text', 'Written before the STOP', 'queued', $3) RETURNING id`,
      [c.id, c.customerId, agent.id],
    );
    await t.sb.queues.sendMessage(rows[0]!.id);
    const row = await eventually(async () => {
      const r = (await t.pool.query(`SELECT status, error_code FROM messages WHERE id = $1`, [rows[0]!.id])).rows[0];
      return r.status === "failed" ? r : null;
    });
    expect(row.error_code).toBe("CONSENT_REVOKED");
    expect(t.fake.messages().filter((m) => m.form.To === c.phone)).toHaveLength(0);
  });
});

describe("do not call", () => {
  it("an agent's record of it is in the ledger, and click-to-call is refused without dialling", async () => {
    const c = await createConversation(t.pool, { channel: "sms", assignedAgentId: agent.id });
    // Dialled while they had not said no (the fake sees calls)…
    expect((await t.api(cookie, "POST", `/api/customers/${c.customerId}/calls`)).status).toBe(201);
    expect(callsTo(c.phone)).toHaveLength(1);
    const set = await t.api(cookie, "PUT", `/api/customers/${c.customerId}/consents/voice`, { status: "opted_out" });
    expect(set.status).toBe(200);
    const l = await ledger(c.customerId);
    expect(l.changes[0]).toMatchObject({ channel: "voice", status: "opted_out", source: "do_not_call", actor: { id: agent.id, name: "Casey Consent" } });
    const event = await t.pool.query(`SELECT body, metadata FROM messages WHERE customer_id = $1 AND metadata->>'event' = 'consent_changed'`, [c.customerId]);
    expect(event.rows).toEqual([{ body: "Do not call: opted out of calls, recorded by Casey Consent", metadata: { event: "consent_changed", channel: "voice", status: "opted_out", source: "do_not_call" } }]);

    const call = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/customers/${c.customerId}/calls`);
    expect(call.status).toBe(409);
    expect(call.body.error.code).toBe("CONSENT_REVOKED");
    // …and not again after.
    expect(callsTo(c.phone)).toHaveLength(1);
  });

  it("a callback the caller asked for is refused at accept, closed, and never dialled", async () => {
    const c = await createConversation(t.pool, { channel: "voice", status: "offered" });
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
       VALUES ($1, $2, 'voice', 'internal', 'event', 'Caller asked to be called back', 'received', '{"event":"callback_requested"}')`,
      [c.id, c.customerId],
    );
    await t.pool.query(`INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, 'voice', 'opted_out', 'do_not_call')`, [c.customerId]);
    const offer = await t.pool.query<{ id: string }>(
      `INSERT INTO offers (conversation_id, agent_id, channel, expires_at) VALUES ($1, $2, 'voice', now() + interval '5 minutes') RETURNING id`,
      [c.id, agent.id],
    );
    const accepted = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/offers/${offer.rows[0]!.id}/accept`);
    expect(accepted.status).toBe(409);
    expect(accepted.body.error.code).toBe("CONSENT_REVOKED");
    expect(callsTo(c.phone)).toHaveLength(0);
    expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [c.id])).rows[0].status).toBe("resolved");
  });
});

describe("email opt-out", () => {
  it("refuses an email reply, a new email and the automatic acknowledgement", async () => {
    await t.pool.query(
      `INSERT INTO mailboxes (name, address, imap_host, imap_port, imap_user, imap_password, smtp_host, smtp_port)
       VALUES ('Support', 'support@shop.example.test', 'imap.example.test', 993, 'support', 'sealed', 'smtp.example.test', 587)`,
    );
    // The workspace reads which channels are on every few seconds: email is on once a mailbox is.
    await eventually(async () => {
      const r = await t.api<{ channels: { channel: string; enabled: boolean }[] }>(cookie, "GET", "/api/channels");
      return r.body.channels.find((ch) => ch.channel === "email")?.enabled;
    }, { timeoutMs: 10_000 });
    const e = await createEmailConversation(t.pool, { assignedAgentId: agent.id });
    await t.pool.query(`UPDATE conversations SET queue_id = $2 WHERE id = $1`, [e.id, queueId]);
    await t.pool.query(`UPDATE queues SET email_acknowledgement = 'We got your mail ({{reference}})' WHERE id = $1`, [queueId]);
    // Before the opt-out an acknowledgement would be queued (rolled back here: only whether it would).
    expect(await wouldAcknowledge(e.id)).not.toBeNull();

    expect((await t.api(cookie, "PUT", `/api/customers/${e.customerId}/consents/email`, { status: "opted_out" })).status).toBe(200);
    const l = await ledger(e.customerId);
    expect(l.changes[0]).toMatchObject({ channel: "email", status: "opted_out", source: "agent" });

    const reply = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${e.id}/messages`, { body: "One more thing" });
    expect([reply.status, reply.body.error.code]).toEqual([409, "CONSENT_REVOKED"]);
    const fresh = await t.api<{ error: { code: string } }>(cookie, "POST", "/api/emails", { customerId: e.customerId, subject: "News", body: "Hello again" });
    expect([fresh.status, fresh.body.error.code]).toEqual([409, "CONSENT_REVOKED"]);
    expect(await wouldAcknowledge(e.id)).toBeNull();
    const outbound = await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE customer_id = $1 AND direction = 'outbound'`, [e.customerId]);
    expect(outbound.rows[0].n).toBe(0);
  });
});
