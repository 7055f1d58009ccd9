// Email end to end against a real IMAP server (Dovecot) and SMTP peer: a mail appended to the mailbox is
// routed to an agent; their reply carries the thread's headers; every kind of reply joins its thread.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfferView } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { MAILBOX, startEmailApp, type EmailApp } from "./support/email-app.ts";
import { eventually, nextEvent } from "./support/test-app.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";

let e: EmailApp;
let agent: { id: string; email: string };
let cookie: string;

beforeAll(async () => {
  e = await startEmailApp();
  await createQueue(e.t.pool, { name: "Support" });
  agent = await createAgent(e.t.pool, { presence: "available", capacity: { email: 50 } });
  cookie = await e.t.login(agent.email);
});
afterAll(async () => e?.close());

/** The customer's first mail, offered to and accepted by the agent, and the agent's reply as the peer got it. */
async function openThread(from: string, subject = "Order 1234 has not arrived") {
  const socket = await e.t.connectAgent(cookie);
  const offered = nextEvent<OfferView>(socket, "offer:new", (offer) => offer.conversation.customerAddress === from.toLowerCase(), 10_000);
  const first = await e.receive({ from: `Ann Customer <${from}>`, subject });
  const offer = await offered;
  expect((await e.t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
  const reply = await e.t.api<{ message: { id: string } }>(cookie, "POST", `/api/conversations/${offer.conversation.id}/messages`, { body: "Sorry about that: it ships today." });
  expect(reply.status).toBe(201);
  const sent = await e.sent((m) => m.parsed.messageId === `<${reply.body.message.id}@acme.test>`);
  socket.disconnect();
  return { conversationId: offer.conversation.id, customerId: offer.conversation.customer.id, first, sent, replyId: reply.body.message.id };
}

describe("a mail to the mailbox", () => {
  it("opens a conversation for the sender's customer and is offered to an agent, named by the sender", async () => {
    const { conversationId, customerId } = await openThread("Ann.Customer@Example.NET");
    const { rows } = await e.t.pool.query(
      `SELECT cv.channel, cv.status, cv.customer_address, cv.subject, cu.display_name, i.value
         FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id JOIN identities i ON i.customer_id = cu.id WHERE cv.id = $1`,
      [conversationId],
    );
    expect(rows).toEqual([{ channel: "email", status: "pending_customer", customer_address: "ann.customer@example.net", subject: "Order 1234 has not arrived", display_name: "Ann Customer", value: "ann.customer@example.net" }]);
    expect(customerId).toBeTruthy();
  });

  it("is answered with the thread's headers: our Message-ID, In-Reply-To, References, Reply-To with the token, Re: once", async () => {
    const { sent, first, conversationId, replyId } = await openThread("bob@example.net", "RE: Re: Broken lid");
    const token = (await e.t.pool.query<{ reply_token: string }>(`SELECT reply_token FROM conversations WHERE id = $1`, [conversationId])).rows[0]!.reply_token;
    expect(sent.envelope.to).toEqual(["bob@example.net"]);
    expect(sent.parsed.from?.value[0]?.address).toBe(MAILBOX);
    expect(sent.parsed.messageId).toBe(`<${replyId}@acme.test>`);
    expect(sent.parsed.inReplyTo).toBe(`<${first.messageId}>`);
    expect(sent.headers.get("references")).toContain(`<${first.messageId}>`);
    expect(sent.parsed.replyTo?.value[0]?.address).toBe(`support+${token}@acme.test`);
    expect(sent.parsed.subject).toBe("Re: Broken lid");
    expect(sent.headers.has("auto-submitted")).toBe(false);
    const status = await eventually(async () => (await e.t.pool.query<{ status: string }>(`SELECT status FROM messages WHERE id = $1`, [replyId])).rows.find((r) => r.status === "sent"));
    expect(status.status).toBe("sent");
  });
});

describe("a reply joins its thread", () => {
  it("by In-Reply-To", async () => {
    const thread = await openThread("carol@example.net");
    const { messageId } = await e.receive({ from: "carol@example.net", subject: "Re: Order 1234", inReplyTo: thread.sent.parsed.messageId!, text: "Thanks!" });
    const stored = await e.stored(messageId);
    expect(stored.conversation_id).toBe(thread.conversationId);
    expect(stored.metadata.email.thread).toEqual({ by: "in_reply_to", value: thread.sent.parsed.messageId!.slice(1, -1) });
  });

  it("by References alone, as Outlook sends it (a new Message-ID, References trimmed to one we know)", async () => {
    const thread = await openThread("dave@example.net");
    const ours = thread.sent.parsed.messageId!;
    const { messageId } = await e.receive({ from: "dave@example.net", subject: "AW: Order", references: ["<unknown-1@outlook.test>", ours], text: "Still waiting" });
    const stored = await e.stored(messageId);
    expect(stored.conversation_id).toBe(thread.conversationId);
    expect(stored.metadata.email.thread?.by).toBe("references");
  });

  it("by the reply token alone, with every threading header dropped", async () => {
    const thread = await openThread("erin@example.net");
    const replyTo = thread.sent.parsed.replyTo!.value[0]!.address!;
    const { messageId } = await e.receive({ from: "erin@example.net", to: replyTo, subject: "my order", text: "Any news?" });
    const stored = await e.stored(messageId);
    expect(stored.conversation_id).toBe(thread.conversationId);
    expect(stored.metadata.email.thread?.by).toBe("reply_token");
  });

  it("from a colleague in Cc: joined and shown with its sender, without merging customers", async () => {
    const thread = await openThread("frank@example.net");
    const { messageId } = await e.receive({ from: "Gina Colleague <gina@example.net>", cc: "frank@example.net", inReplyTo: thread.sent.parsed.messageId!, text: "Adding myself here" });
    const stored = await e.stored(messageId);
    expect(stored.conversation_id).toBe(thread.conversationId);
    expect(stored.customer_id).toBe(thread.customerId);
    expect(stored.metadata.email.from).toEqual({ address: "gina@example.net", name: "Gina Colleague" });
    const gina = await e.t.pool.query(`SELECT 1 FROM identities WHERE value = 'gina@example.net'`);
    expect(gina.rowCount).toBe(0);
    // The next reply goes to both of them.
    expect((await e.t.api(cookie, "POST", `/api/conversations/${thread.conversationId}/messages`, { body: "Hello both" })).status).toBe(201);
    const sent = await e.sent((m) => m.parsed.text?.includes("Hello both") ?? false);
    expect(sent!.envelope.to.sort()).toEqual(["frank@example.net", "gina@example.net"]);
  });

  it("a reply to a resolved thread reopens it and routes it again", async () => {
    const thread = await openThread("hank@example.net");
    expect((await e.t.api(cookie, "POST", `/api/conversations/${thread.conversationId}/resolve`)).status).toBe(200);
    const { messageId } = await e.receive({ from: "hank@example.net", inReplyTo: thread.sent.parsed.messageId!, text: "It broke again" });
    await e.stored(messageId);
    await waitForQueuesToDrain(e.t.sb.queues);
    const { rows } = await e.t.pool.query<{ status: string }>(`SELECT status FROM conversations WHERE id = $1`, [thread.conversationId]);
    expect(["queued", "offered"]).toContain(rows[0]!.status);
  });

  it("a mailbox mapped to a queue puts its new conversations there", async () => {
    const billing = await createQueue(e.t.pool, { name: "Billing" });
    const admin = await createAgent(e.t.pool, { role: "admin" });
    const set = await e.t.api(await e.t.login(admin.email), "PATCH", `/api/mailboxes/${e.mailboxId}`, { queueId: billing.id });
    expect(set.status).toBe(200);
    try {
      const { messageId } = await e.receive({ from: "jill@example.net", subject: "Invoice" });
      const stored = await e.stored(messageId);
      const { rows } = await e.t.pool.query<{ queue_id: string }>(`SELECT queue_id FROM conversations WHERE id = $1`, [stored.conversation_id]);
      expect(rows[0]!.queue_id).toBe(billing.id);
    } finally {
      await e.t.pool.query(`UPDATE mailboxes SET queue_id = NULL WHERE id = $1`, [e.mailboxId]);
    }
  });

  it("a mail that matches nothing opens a new conversation", async () => {
    const { messageId } = await e.receive({ from: "ivy@example.net", inReplyTo: "<nobody-knows@example.org>", subject: "New question" });
    const stored = await e.stored(messageId);
    expect(stored.metadata.email.thread).toEqual({ by: "new", value: null });
  });
});
