// What the workspace reads: the customer's whole timeline across conversations and channels (paged by
// cursor, caught up from a change cursor), my work snapshot, and other open conversations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationResponse, MessageView, MyWorkResponse, TimelineChanges, TimelinePage } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let cookie: string;
let agentId: string;
beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 20 } });
  agentId = agent.id;
  cookie = await t.login(agent.email);
});
afterAll(async () => t?.close());

const customerOf = async (sid: string) =>
  (await t.pool.query<{ customer_id: string; conversation_id: string }>(`SELECT customer_id, conversation_id FROM messages WHERE external_id = $1`, [sid])).rows[0]!;

describe("the customer timeline", () => {
  it("spans every conversation and channel of the customer, newest at the bottom, paged by cursor", async () => {
    const phone = "+12125550900";
    const first = await t.sendSms({ From: phone, Body: "message 0" });
    const { customer_id: customerId, conversation_id: firstConversation } = await customerOf(first.messageSid);
    for (let i = 1; i < 5; i++) await t.sendSms({ From: phone, Body: `message ${i}` });
    // The thread is resolved; the next text opens a new conversation on the same customer.
    await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE id = $1`, [firstConversation]);
    for (let i = 5; i < 8; i++) await t.sendSms({ From: phone, Body: `message ${i}` });
    // A chat on the same customer (another channel) belongs to the same timeline.
    const chat = await t.pool.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, customer_address) VALUES ($1, 'chat', 'resolved', 'visitor-1') RETURNING id`,
      [customerId],
    );
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, body, status, external_id) VALUES ($1, $2, 'chat', 'inbound', 'message 8', 'received', 'chat-1')`,
      [chat.rows[0]!.id, customerId],
    );
    const conversations = await t.pool.query(`SELECT DISTINCT conversation_id FROM messages WHERE customer_id = $1`, [customerId]);
    expect(conversations.rows.length).toBe(3);

    const bodies: string[] = [];
    let before: string | null | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ limit: "3", ...(before ? { before } : {}) });
      const page = await t.api<TimelinePage>(cookie, "GET", `/api/customers/${customerId}/timeline?${q}`);
      expect(page.status).toBe(200);
      bodies.unshift(...page.body.messages.filter((m) => m.direction === "inbound").map((m) => m.body));
      before = page.body.olderCursor;
      pages++;
    } while (before && pages < 20);
    expect(bodies).toEqual(Array.from({ length: 9 }, (_, i) => `message ${i}`));
  });

  it("catches up from a change cursor: new messages and status changes, nothing missed", async () => {
    const phone = "+12125550901";
    const first = await t.sendSms({ From: phone, Body: "before the cursor" });
    const { customer_id: customerId, conversation_id: conversationId } = await customerOf(first.messageSid);
    const page = await t.api<TimelinePage>(cookie, "GET", `/api/customers/${customerId}/timeline`);
    const cursor = page.body.changeCursor;
    // While the agent was disconnected: a new inbound message, and a reply that got sent.
    await t.sendSms({ From: phone, Body: "while you were away" });
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0]);
    await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
    const reply = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${conversationId}/messages`, { body: "on it" });
    await eventually(async () => (await t.pool.query(`SELECT status FROM messages WHERE id = $1`, [reply.body.message.id])).rows[0].status === "sent");
    const changes = await t.api<TimelineChanges>(cookie, "GET", `/api/customers/${customerId}/timeline/changes?since=${cursor}`);
    expect(changes.status).toBe(200);
    const byId = new Map(changes.body.messages.map((m) => [m.id, m]));
    expect([...byId.values()].some((m) => m.body === "while you were away")).toBe(true);
    expect(byId.get(reply.body.message.id)?.status).toBe("sent");
    expect(BigInt(changes.body.changeCursor)).toBeGreaterThan(BigInt(cursor));
    const bad = await t.api<{ error: { code: string } }>(cookie, "GET", `/api/customers/${customerId}/timeline/changes?since=abc`);
    expect(bad.status).toBe(400);
    const badCursor = await t.api<{ error: { code: string } }>(cookie, "GET", `/api/customers/${customerId}/timeline?before=garbage`);
    expect(badCursor.status).toBe(400);
  });
});

describe("my work and the conversation view", () => {
  it("lists my pending offers and my open conversations, and shows other open conversations of the customer", async () => {
    const phone = "+12125550902";
    const sms = await t.sendSms({ From: phone, Body: "first contact" });
    const { customer_id: customerId, conversation_id: conversationId } = await customerOf(sms.messageSid);
    const work = await eventually(async () => {
      const w = await t.api<MyWorkResponse>(cookie, "GET", "/api/me/work");
      return w.body.offers.some((o) => o.conversation.id === conversationId) ? w.body : null;
    });
    const offer = work.offers.find((o) => o.conversation.id === conversationId)!;
    expect(offer.conversation.customer.displayName).toBe("+1 212 555 0902");
    await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
    const after = await t.api<MyWorkResponse>(cookie, "GET", "/api/me/work");
    expect(after.body.offers.some((o) => o.id === offer.id)).toBe(false);
    expect(after.body.conversations.find((c) => c.id === conversationId)).toMatchObject({ status: "assigned", assignedAgentId: agentId });

    // The same customer is also open on another channel: the agent is told, so nobody answers twice.
    await t.pool.query(`INSERT INTO conversations (customer_id, channel, status, customer_address) VALUES ($1, 'email', 'queued', 'x@example.test')`, [customerId]);
    const view = await t.api<ConversationResponse>(cookie, "GET", `/api/conversations/${conversationId}`);
    expect(view.status).toBe(200);
    expect(view.body.customer.identities).toEqual([{ kind: "phone", value: phone, verified: true, source: "inbound:sms", createdAt: expect.any(String) }]);
    expect(view.body.otherOpenConversations.map((c) => c.channel)).toEqual(["email"]);
    expect((await t.api(cookie, "GET", `/api/conversations/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
    expect((await t.api(cookie, "GET", `/api/conversations/not-a-uuid`)).status).toBe(400);
  });

  it("resolving a conversation takes it off my list and frees capacity for waiting work", async () => {
    const sms = await t.sendSms({ From: "+12125550903", Body: "resolve me" });
    const { conversation_id: conversationId } = await customerOf(sms.messageSid);
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0]);
    await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
    const resolved = await t.api<{ conversation: { status: string } }>(cookie, "POST", `/api/conversations/${conversationId}/resolve`);
    expect(resolved.body.conversation.status).toBe("resolved");
    const work = await t.api<MyWorkResponse>(cookie, "GET", "/api/me/work");
    expect(work.body.conversations.some((c) => c.id === conversationId)).toBe(false);
  });
});
