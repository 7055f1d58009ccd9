// Sending email: SMTP answers decide retry or failure (with the server's words for the agent), partial
// rejections are reported, acknowledgements go out once and never to automated mail, opt-outs hold,
// and agents can write first or answer a message left in the chat widget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationView, MessageView } from "../shared/api.ts";
import { createAgent, createAssignedConversation, createQueue } from "./support/factories.ts";
import { MAILBOX, startEmailApp, type EmailApp } from "./support/email-app.ts";
import { eventually } from "./support/test-app.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";

let e: EmailApp;
let agent: { id: string; email: string };
let cookie: string;
let queueId: string;

beforeAll(async () => {
  e = await startEmailApp();
  queueId = (await createQueue(e.t.pool, { name: "Support" })).id;
  agent = await createAgent(e.t.pool, { presence: "offline", capacity: { email: 50 } });
  cookie = await e.t.login(agent.email);
});
afterAll(async () => e?.close());

/** A customer's mail, stored, with its conversation handed to our agent. */
async function threadFrom(address: string, spec: { subject?: string } = {}) {
  const { messageId } = await e.receive({ from: address, subject: spec.subject ?? "Question" });
  const stored = await e.stored(messageId);
  await e.t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2, waiting_since = NULL WHERE id = $1`, [stored.conversation_id, agent.id]);
  return stored;
}

const reply = (conversationId: string, body = "Here is your answer") =>
  e.t.api<{ message: MessageView; error?: { code: string } }>(cookie, "POST", `/api/conversations/${conversationId}/messages`, { body });

const messageRow = (id: string) =>
  e.t.pool.query<{ status: string; error_code: string | null; error_message: string | null; metadata: { email: { rejectedRecipients: string[] } } }>(
    `SELECT status, error_code, error_message, metadata FROM messages WHERE id = $1`, [id],
  ).then((r) => r.rows[0]!);

describe("SMTP answers", () => {
  it("a 5xx ends the reply failed with the server's text", async () => {
    const thread = await threadFrom("nobody@example.net");
    e.smtp.rejectRecipient("nobody@example.net", 550, "5.1.1 <nobody@example.net>: Recipient address rejected: User unknown");
    try {
      const sent = await reply(thread.conversation_id);
      expect(sent.status).toBe(201);
      const row = await eventually(async () => {
        const r = await messageRow(sent.body.message.id);
        return r.status === "failed" ? r : null;
      });
      expect(row.error_code).toBe("550");
      expect(row.error_message).toContain("User unknown");
    } finally {
      e.smtp.clearRules();
    }
  });

  it("a 4xx is tried again until it is accepted", async () => {
    const thread = await threadFrom("later@example.net");
    e.smtp.failData(451, "4.3.0 Try again later", 2);
    const sent = await reply(thread.conversation_id);
    await eventually(async () => (await messageRow(sent.body.message.id)).status === "sent", { timeoutMs: 10_000 });
    expect(e.smtp.received.filter((m) => m.envelope.to.includes("later@example.net"))).toHaveLength(1);
  });

  it("a lost connection is tried again with back-off until the server takes the mail", async () => {
    const thread = await threadFrom("flaky@example.net");
    e.smtp.dropConnections(true);
    let sent: { body: { message: MessageView } };
    try {
      sent = await reply(thread.conversation_id);
      await eventually(async () => (await e.t.pool.query<{ n: number }>(`SELECT send_attempts AS n FROM messages WHERE id = $1`, [sent.body.message.id])).rows[0]!.n >= 2);
      expect((await messageRow(sent.body.message.id)).status).toBe("queued");
    } finally {
      e.smtp.dropConnections(false);
    }
    await eventually(async () => (await messageRow(sent.body.message.id)).status === "sent", { timeoutMs: 15_000 });
    expect(e.smtp.received.filter((m) => m.envelope.to.includes("flaky@example.net"))).toHaveLength(1);
  });

  it("recipients refused while others accepted are reported on the message", async () => {
    const thread = await threadFrom("main@example.net");
    // A colleague on Cc makes the next reply go to two addresses; the server refuses one of them.
    const firstId = (await e.t.pool.query<{ external_id: string }>(`SELECT external_id FROM messages WHERE id = $1`, [thread.id])).rows[0]!.external_id;
    const { messageId } = await e.receive({ from: "main@example.net", cc: "gone@example.net", inReplyTo: `<${firstId}>`, text: "Copying a colleague" });
    await e.stored(messageId);
    e.smtp.rejectRecipient("gone@example.net", 550, "5.1.1 No such user");
    try {
      const sent = await reply(thread.conversation_id);
      const row = await eventually(async () => {
        const r = await messageRow(sent.body.message.id);
        return r.status === "sent" ? r : null;
      });
      expect(row.metadata.email.rejectedRecipients).toEqual(["gone@example.net"]);
    } finally {
      e.smtp.clearRules();
    }
  });
});

describe("automatic acknowledgements", () => {
  it("go once per new conversation, marked Auto-Submitted, with its reference; never to automated mail; at most N a day", async () => {
    const admin = await createAgent(e.t.pool, { role: "admin" });
    const adminCookie = await e.t.login(admin.email);
    const set = await e.t.api(adminCookie, "PUT", `/api/queues/${queueId}`, { emailAcknowledgement: "We got your mail about {{subject}}. Your reference is {{reference}}." });
    expect(set.status).toBe(200);
    try {
      const before = e.smtp.received.length;
      const first = await e.receive({ from: "ack@example.net", subject: "Broken zipper" });
      await e.stored(first.messageId);
      const ack = await e.sent((m) => m.envelope.to.includes("ack@example.net"));
      const reference = (await e.t.pool.query<{ reference: string }>(`SELECT reference FROM conversations cv JOIN messages m ON m.conversation_id = cv.id WHERE m.external_id = $1`, [first.messageId])).rows[0]!.reference;
      expect(ack!.headers.get("auto-submitted")).toBe("auto-replied");
      expect(ack!.parsed.subject).toBe(`[SB-${reference}] Re: Broken zipper`);
      expect(ack!.parsed.text).toContain(`SB-${reference}`);
      expect(ack!.parsed.inReplyTo).toBe(`<${first.messageId}>`);

      // A reply on the same thread is not acknowledged again; an auto-reply is never acknowledged.
      await e.stored((await e.receive({ from: "ack@example.net", inReplyTo: ack!.parsed.messageId!, text: "thanks" })).messageId);
      const auto = await e.receive({ from: "robot@example.net", subject: "Out of office", headers: { "Auto-Submitted": "auto-replied" } });
      const autoStored = await e.stored(auto.messageId);
      expect(autoStored.metadata.email.automated).toBeTruthy();
      const autoConversation = (await e.t.pool.query<{ status: string }>(`SELECT status FROM conversations WHERE id = $1`, [autoStored.conversation_id])).rows[0]!;
      expect(autoConversation.status).toBe("resolved");

      // New threads from one address: acknowledged up to EMAIL_AUTO_REPLIES_PER_DAY (3) a day.
      for (let i = 0; i < 4; i++) await e.stored((await e.receive({ from: "ack@example.net", subject: `Another question ${i}` })).messageId);
      await waitForQueuesToDrain(e.t.sb.queues);
      const acks = e.smtp.received.slice(before).filter((m) => m.headers.get("auto-submitted") === "auto-replied");
      expect(acks.map((m) => m.envelope.to[0])).toEqual(["ack@example.net", "ack@example.net", "ack@example.net"]);
    } finally {
      await e.t.pool.query(`UPDATE queues SET email_acknowledgement = NULL WHERE id = $1`, [queueId]);
    }
  });
});

describe("unsubscribe", () => {
  it("a customer's 'unsubscribe' reply joins the consent ledger; a send is then refused until an agent records an opt-in", async () => {
    const thread = await threadFrom("leave-me@example.net");
    const ours = (await e.t.pool.query<{ external_id: string }>(`SELECT external_id FROM messages WHERE id = $1`, [thread.id])).rows[0]!.external_id;
    await e.stored((await e.receive({ from: "leave-me@example.net", inReplyTo: `<${ours}>`, subject: "Unsubscribe", text: "unsubscribe" })).messageId);
    const consent = await e.t.pool.query<{ status: string }>(`SELECT status FROM consents WHERE customer_id = $1 AND channel = 'email'`, [thread.customer_id]);
    expect(consent.rows[0]?.status).toBe("opted_out");
    // The ledger names the source and points at the customer's mail; the timeline event says what changed.
    const ledger = await e.t.pool.query(
      `SELECT l.source, m.body FROM consent_changes l JOIN messages m ON m.id = l.evidence_message_id WHERE l.customer_id = $1 AND l.channel = 'email'`,
      [thread.customer_id],
    );
    expect(ledger.rows).toEqual([{ source: "email_unsubscribe", body: expect.stringContaining("unsubscribe") }]);
    const event = await e.t.pool.query(`SELECT metadata FROM messages WHERE customer_id = $1 AND metadata->>'event' = 'consent_changed'`, [thread.customer_id]);
    expect(event.rows).toEqual([{ metadata: { event: "consent_changed", channel: "email", status: "opted_out", source: "email_unsubscribe" } }]);
    const refused = await reply(thread.conversation_id);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("CONSENT_REVOKED");

    const optIn = await e.t.api(cookie, "PUT", `/api/customers/${thread.customer_id}/consents/email`, { status: "opted_in" });
    expect(optIn.status).toBe(200);
    expect((await reply(thread.conversation_id)).status).toBe(201);
    const audit = await e.t.pool.query(`SELECT 1 FROM audit_events WHERE action = 'consent.changed' AND entity_id = $1`, [thread.customer_id]);
    expect(audit.rowCount).toBe(1);
  });
});

describe("agents write first", () => {
  it("a new email to a customer goes out, and the customer's answer to its reply address joins it", async () => {
    const customer = await e.t.pool.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (display_name) VALUES ('Nora New') RETURNING id)
       INSERT INTO identities (customer_id, kind, value, verified, source) SELECT id, 'email', 'nora@example.net', true, 'test' FROM c RETURNING customer_id AS id`,
    );
    const started = await e.t.api<{ conversation: ConversationView }>(cookie, "POST", "/api/emails", { customerId: customer.rows[0]!.id, subject: "Your warranty", body: "Your warranty runs out next month." });
    expect(started.status).toBe(201);
    expect(started.body.conversation.assignedAgentId).toBe(agent.id);
    const sent = await e.sent((m) => m.envelope.to.includes("nora@example.net"));
    expect(sent!.parsed.subject).toBe("Your warranty");
    expect(sent!.envelope.to).toEqual(["nora@example.net"]);
    const answer = await e.receive({ from: "nora@example.net", to: sent!.parsed.replyTo!.value[0]!.address!, subject: "Re: Your warranty", text: "Can I extend it?" });
    expect((await e.stored(answer.messageId)).conversation_id).toBe(started.body.conversation.id);
  });

  it("refuses an address that is not the customer's, and a customer with none", async () => {
    const customer = await e.t.pool.query<{ id: string }>(`INSERT INTO customers DEFAULT VALUES RETURNING id`);
    const none = await e.t.api<{ error: { code: string } }>(cookie, "POST", "/api/emails", { customerId: customer.rows[0]!.id, subject: "Hi", body: "Hello" });
    expect([none.status, none.body.error.code]).toEqual([400, "VALIDATION"]);
    const bad = await e.t.api<{ error: { code: string } }>(cookie, "POST", "/api/emails", { customerId: customer.rows[0]!.id, to: "x@", subject: "Hi", body: "Hello" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);
  });

  it("answers a message left in the chat widget by email, from the first mailbox", async () => {
    // As leaveMessage stores it: an email conversation with the typed address, no mailbox, no token.
    const left = await createAssignedConversation(e.t.pool, { agentId: agent.id, channel: "email", customerPhone: "+14155550177" });
    await e.t.pool.query(`UPDATE conversations SET customer_address = 'visitor@example.net', subject = 'Message left in the chat widget' WHERE id = $1`, [left.id]);
    expect((await reply(left.id, "Thanks for your message")).status).toBe(201);
    const sent = await e.sent((m) => m.envelope.to.includes("visitor@example.net"));
    expect(sent!.envelope.to).toEqual(["visitor@example.net"]);
    expect(sent!.parsed.from?.value[0]?.address).toBe(MAILBOX);
    expect(sent!.parsed.replyTo?.value[0]?.address).toMatch(/^support\+[a-z0-9]+@acme\.test$/);
  });
});
