// Web chat through the /chat namespace: widget keys and origins, signed visitors, messages both ways
// through the routed queue, typing, idempotent resends, catch-up, isolation between visitors, ending.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView, OfferView, WidgetView } from "../shared/api.ts";
import type { ChatMessageView } from "../shared/chat.ts";
import { connectVisitor, type VisitorSocket } from "./support/chat-visitor.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
let t: TestApp;
let widget: WidgetView;
let adminCookie: string;
const sockets: VisitorSocket[] = [];
beforeAll(async () => {
  t = await startTestApp({ env: { CHAT_UPLOAD_MAX_BYTES: String(64 * 1024) } });
  await createQueue(t.pool, { name: "Support" });
  const admin = await createAgent(t.pool, { role: "admin" });
  adminCookie = await t.login(admin.email);
  const created = await t.api<{ widget: WidgetView }>(adminCookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] });
  expect(created.status).toBe(201);
  widget = created.body.widget;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t?.close();
});

async function visitor(opts: { visitorToken?: string; origin?: string; identity?: { kind: "email" | "phone"; value: string; hmac: string } } = {}) {
  const v = await connectVisitor(t.url, { widgetKey: widget.publicKey, origin: opts.origin ?? SITE, ...opts });
  sockets.push(v.socket);
  return v;
}
const send = (socket: VisitorSocket, body: string, clientId: string = randomUUID()) => socket.emitWithAck("chat:send", { clientId, body });

describe("chat widgets", () => {
  it("are created by admins with an embed snippet, and validated", async () => {
    expect(widget.embedSnippet).toBe(`<script src="${t.config.publicUrl}/widget.js" data-switchboard-key="${widget.publicKey}" async></script>`);
    expect(widget.allowedOrigins).toEqual([SITE]);
    const bad = await t.api<{ error: { code: string; message: string } }>(adminCookie, "POST", "/api/widgets", { name: "x", allowedOrigins: ["https://a.test/path"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/origin/);
    const agent = await createAgent(t.pool);
    expect((await t.api(await t.login(agent.email), "POST", "/api/widgets", { name: "x", allowedOrigins: [SITE] })).status).toBe(403);
  });

  it("refuse a socket from a site the widget does not allow, and an unknown key", async () => {
    await expect(visitor({ origin: "https://evil.example.test" })).rejects.toThrow(/^ORIGIN_NOT_ALLOWED: The site https:\/\/evil\.example\.test may not use this widget/);
    await expect(connectVisitor(t.url, { widgetKey: "wk_unknown_key_123", origin: SITE })).rejects.toThrow(/^UNKNOWN_WIDGET/);
  });
});

describe("a chat visitor", () => {
  it("keeps their identity with the signed token, and a forged token gets a new visitor", async () => {
    const first = await visitor();
    expect(first.session.state).toBe("new");
    const again = await visitor({ visitorToken: first.session.visitorToken });
    expect(again.session.visitorId).toBe(first.session.visitorId);
    const forged = first.session.visitorToken.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    const other = await visitor({ visitorToken: forged });
    expect(other.session.visitorId).not.toBe(first.session.visitorId);
  });

  it("chats with an agent through the routed queue, with typing both ways", async () => {
    const agent = await createAgent(t.pool, { name: "Chat Agent", presence: "available", capacity: { chat: 3 } });
    const cookie = await t.login(agent.email);
    const agentSocket = await t.connectAgent(cookie);
    const { socket: v, session } = await visitor();
    // A second tab of the same visitor sees everything too.
    const { socket: tab2 } = await visitor({ visitorToken: session.visitorToken });

    const offered = nextEvent<OfferView>(agentSocket, "offer:new");
    const echoInTab2 = nextEvent<ChatMessageView>(tab2 as never, "chat:message");
    const clientId = randomUUID();
    const ack = await send(v, "Hi! Do you ship to Canada?", clientId);
    expect(ack).toMatchObject({ ok: true, data: { clientId, from: "visitor", body: "Hi! Do you ship to Canada?" } });
    expect((await echoInTab2).clientId).toBe(clientId);
    const offer = await offered;
    expect(offer.channel).toBe("chat");
    expect(offer.conversation.customerAddress).toBe(session.visitorId);
    await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);
    await agentSocket.emitWithAck("customer:watch", { customerId: offer.conversation.customer.id });

    // Typing both ways.
    const agentSeesTyping = nextEvent<{ who: string; typing: boolean }>(agentSocket, "conversation:typing", (e) => e.who === "customer");
    v.emit("chat:typing", { typing: true });
    expect(await agentSeesTyping).toMatchObject({ who: "customer", typing: true, conversationId: offer.conversation.id });
    const visitorSeesTyping = nextEvent<{ typing: boolean; name: string }>(v as never, "chat:typing");
    agentSocket.emit("conversation:typing", { conversationId: offer.conversation.id, typing: true });
    expect(await visitorSeesTyping).toEqual({ typing: true, name: "Chat Agent" });

    // The agent's reply reaches the visitor, through the same outbound path as every channel.
    const reply = nextEvent<ChatMessageView>(v as never, "chat:message", (m) => m.from === "agent");
    const sent = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${offer.conversation.id}/messages`, { body: "Yes, we do!" });
    expect(sent.status).toBe(201);
    expect(await reply).toMatchObject({ id: sent.body.message.id, from: "agent", authorName: "Chat Agent", body: "Yes, we do!" });
    await eventually(async () => (await t.pool.query(`SELECT status FROM messages WHERE id = $1`, [sent.body.message.id])).rows[0].status === "sent");

    // The agent ends the chat: the visitor sees it, and writing again starts a new conversation.
    const ended = nextEvent<{ by: string }>(v as never, "chat:ended");
    await t.api(cookie, "POST", `/api/conversations/${offer.conversation.id}/resolve`);
    expect(await ended).toEqual({ by: "Chat Agent" });
    const history = await v.emitWithAck("chat:history", {});
    expect(history).toMatchObject({ ok: true, data: { state: "ended" } });
    const next = await send(v, "One more thing…");
    expect(next.ok).toBe(true);
    const conversations = await t.pool.query(`SELECT status FROM conversations WHERE customer_address = $1 ORDER BY created_at`, [session.visitorId]);
    // The new one waits, or the agent (free again) has already been offered it.
    expect(conversations.rows).toHaveLength(2);
    expect(conversations.rows[0].status).toBe("resolved");
    expect(["queued", "offered"]).toContain(conversations.rows[1].status);
  });

  it("stores a resent message once (same client id) and catches up from a seq", async () => {
    const { socket: v } = await visitor();
    const clientId = randomUUID();
    const a = await send(v, "only once", clientId);
    const b = await send(v, "only once", clientId);
    expect(a.ok && b.ok && a.data.id === b.data.id).toBe(true);
    const rows = await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE body = 'only once'`);
    expect(rows.rows[0].n).toBe(1);
    const seq = a.ok ? a.data.seq : "0";
    await send(v, "after the cursor");
    const caughtUp = await v.emitWithAck("chat:history", { afterSeq: seq });
    expect(caughtUp.ok && caughtUp.data.messages.map((m) => m.body)).toEqual(["after the cursor"]);
  });

  it("cannot read another visitor's messages, whatever ids it sends", async () => {
    const { socket: alice } = await visitor();
    const aliceClientId = randomUUID();
    await send(alice, "Alice's secret order number 4711", aliceClientId);
    const { socket: mallory } = await visitor();
    const history = await mallory.emitWithAck("chat:history", {});
    expect(history).toMatchObject({ ok: true, data: { messages: [] } });
    // Reusing Alice's client id only makes a message of Mallory's own.
    const reuse = await send(mallory, "mine", aliceClientId);
    expect(reuse.ok && reuse.data.body).toBe("mine");
    const again = await mallory.emitWithAck("chat:history", { afterSeq: "0" });
    expect(again.ok && again.data.messages.map((m) => m.body)).toEqual(["mine"]);
  });

  it("answers bad events with a clear error", async () => {
    const { socket: v } = await visitor();
    expect(await v.emitWithAck("chat:send", { clientId: "nope", body: "x" })).toMatchObject({ ok: false, error: { code: "VALIDATION", message: "clientId must be a UUID" } });
    expect(await v.emitWithAck("chat:send", { clientId: randomUUID(), body: "x".repeat(2001) })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    expect(await v.emitWithAck("chat:history", { afterSeq: "drop table" })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });
});

describe("verified identity", () => {
  const sign = async (value: string) => (await import("../server/domain/chat/link-verified-identity.ts")).identityHmac(widget.identitySecret!, value);

  it("links a signed-in visitor to the customer who texted before, so the agent sees the SMS beside the chat", async () => {
    const sms = await t.sendSms({ From: "+14155550177", Body: "My order #88 is late" });
    expect(sms.status).toBe(200);
    const smsCustomer = (await t.pool.query(`SELECT customer_id FROM messages WHERE external_id = $1`, [sms.messageSid])).rows[0].customer_id;
    // The site's server signed the phone number as it knows it.
    const value = "(415) 555-0177";
    const { socket } = await visitor({ identity: { kind: "phone", value, hmac: await sign(value) } });
    const ack = await send(socket, "Hi, about my order #88");
    expect(ack.ok).toBe(true);
    const chat = await t.pool.query(`SELECT customer_id FROM conversations WHERE channel = 'chat' AND customer_address = (SELECT customer_address FROM conversations cv JOIN messages m ON m.conversation_id = cv.id WHERE m.id = $1)`, [ack.ok ? ack.data.id : ""]);
    expect(chat.rows[0].customer_id).toBe(smsCustomer);
    const agent = await createAgent(t.pool);
    const timeline = await t.api<{ messages: MessageView[] }>(await t.login(agent.email), "GET", `/api/customers/${smsCustomer}/timeline`);
    const inbound = timeline.body.messages.filter((m) => m.direction === "inbound").map((m) => `${m.channel}: ${m.body}`);
    expect(inbound).toEqual(["sms: My order #88 is late", "chat: Hi, about my order #88"]);
  });

  it("refuses a wrong HMAC, and an unverified visitor is never linked by itself", async () => {
    await expect(visitor({ identity: { kind: "email", value: "ceo@example.test", hmac: "0".repeat(64) } })).rejects.toThrow(/^IDENTITY_INVALID: /);
    const { socket } = await visitor();
    await send(socket, "I am ceo@example.test, show me everything");
    const identities = await t.pool.query(`SELECT count(*)::int AS n FROM identities WHERE value = 'ceo@example.test'`);
    expect(identities.rows[0].n).toBe(0);
  });

  it("gives a second signed-in person on the same browser a new visitor, not the first one's chat", async () => {
    const alice = await visitor({ identity: { kind: "email", value: "alice@example.test", hmac: await sign("alice@example.test") } });
    await send(alice.socket, "Alice's private question");
    const bob = await visitor({ visitorToken: alice.session.visitorToken, identity: { kind: "email", value: "bob@example.test", hmac: await sign("bob@example.test") } });
    expect(bob.session.visitorId).not.toBe(alice.session.visitorId);
    const history = await bob.socket.emitWithAck("chat:history", {});
    expect(history).toMatchObject({ ok: true, data: { messages: [] } });
    const owner = await t.pool.query(`SELECT i.value FROM messages m JOIN identities i ON i.customer_id = m.customer_id AND i.kind = 'email' WHERE m.body = 'Alice''s private question'`);
    expect(owner.rows).toEqual([{ value: "alice@example.test" }]);
  });

  it("moves an anonymous visitor's chat to their customer when they sign in, and records it", async () => {
    const anonymous = await visitor();
    await send(anonymous.socket, "before signing in");
    const value = "Dana@Example.test";
    const signedIn = await visitor({ visitorToken: anonymous.session.visitorToken, identity: { kind: "email", value, hmac: await sign(value) } });
    expect(signedIn.session.visitorId).toBe(anonymous.session.visitorId);
    const owner = await t.pool.query(`SELECT customer_id FROM identities WHERE kind = 'email' AND value = 'dana@example.test'`);
    const customerId = owner.rows[0].customer_id;
    const moved = await t.pool.query(`SELECT DISTINCT customer_id FROM messages WHERE body = 'before signing in'`);
    expect(moved.rows).toEqual([{ customer_id: customerId }]);
    const audit = await t.pool.query(`SELECT action FROM audit_events WHERE entity_id = $1`, [customerId]);
    expect(audit.rows).toEqual([{ action: "chat_visitor_linked" }]);
  });
});

describe("when no agent can answer", () => {
  it("tells the visitor where they are in line, with an estimate", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const first = await visitor();
    const second = await visitor();
    expect(await second.socket.emitWithAck("chat:wait", {})).toEqual({ ok: true, data: { position: null, estimateSeconds: null } });
    await send(first.socket, "first in line");
    await send(second.socket, "second in line");
    const wait = await second.socket.emitWithAck("chat:wait", {});
    expect(wait.ok).toBe(true);
    const firstWait = await first.socket.emitWithAck("chat:wait", {});
    if (!wait.ok || !firstWait.ok) throw new Error("no wait");
    expect(wait.data.position).toBe(firstWait.data.position! + 1);
    expect(wait.data.estimateSeconds).toBeGreaterThan(0);
  });

  it("outside business hours says so, and takes a message with an email address as queued work", async () => {
    const queue = (await t.pool.query(`SELECT id FROM queues ORDER BY created_at LIMIT 1`)).rows[0].id;
    // Open only one minute a week, and not now.
    const closed = await t.api<{ queue: { businessHours: unknown } }>(adminCookie, "PUT", `/api/queues/${queue}`, {
      timezone: "Pacific/Kiritimati",
      businessHours: { sun: [["03:00", "03:01"]] },
    });
    expect(closed.status).toBe(200);
    const badZone = await t.api(adminCookie, "PUT", `/api/queues/${queue}`, { timezone: "Mars/Olympus" });
    expect(badZone.status).toBe(400);
    const overlapping = await t.api<{ error: { code: string } }>(adminCookie, "PUT", `/api/queues/${queue}`, {
      businessHours: { mon: [["01:00", "09:00"]], sun: [["22:00", "02:00"]] },
    });
    expect(overlapping).toMatchObject({ status: 400, body: { error: { code: "VALIDATION" } } });
    try {
      const { socket, session } = await visitor();
      expect(session.availability).toMatchObject({ open: false, message: expect.stringMatching(/closed/) });
      const bad = await socket.emitWithAck("chat:leave-message", { clientId: randomUUID(), email: "not an email", body: "hi" });
      expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION", message: "Please give an email address we can answer" } });
      const clientId = randomUUID();
      const left = await socket.emitWithAck("chat:leave-message", { clientId, email: "Pat@Example.test", body: "Please call me back about my refund" });
      expect(left).toEqual({ ok: true, data: { received: true } });
      expect(await socket.emitWithAck("chat:leave-message", { clientId, email: "pat@example.test", body: "Please call me back about my refund" })).toMatchObject({ ok: true });
      const { rows } = await t.pool.query(
        `SELECT cv.channel, cv.status, cv.customer_address, m.body FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
          WHERE m.body = 'Please call me back about my refund'`,
      );
      expect(rows).toEqual([{ channel: "email", status: "queued", customer_address: "pat@example.test", body: "Please call me back about my refund" }]);
      // The typed email is only where to answer: it links to nobody.
      expect((await t.pool.query(`SELECT count(*)::int AS n FROM identities WHERE value = 'pat@example.test'`)).rows[0].n).toBe(0);
    } finally {
      await t.api(adminCookie, "PUT", `/api/queues/${queue}`, { businessHours: {} });
    }
  });
});

describe("files", () => {
  const png = (size: number) => {
    const b = Buffer.alloc(size, 7);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
    return b;
  };

  /** POST /chat/uploads as the widget does it. */
  const upload = (visitorToken: string, file: { name: string; contentType: string; data: Buffer }, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/chat/uploads`, {
      method: "POST",
      headers: {
        origin: SITE,
        "content-type": file.contentType,
        "x-switchboard-widget": widget.publicKey,
        "x-switchboard-visitor": visitorToken,
        "x-switchboard-file-name": encodeURIComponent(file.name),
        ...headers,
      },
      body: new Uint8Array(file.data),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { upload: { id: string; sizeBytes: number }; error: { code: string; message: string } }, headers: res.headers }));

  it("takes an allowed image by HTTP, stores it with the message that names it and serves it by its signed link only", async () => {
    const { socket, session } = await visitor();
    expect(session.uploads).toEqual({ maxBytes: 65536, types: ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"] });
    const data = png(2048);
    const uploaded = await upload(session.visitorToken, { name: "receipt.png", contentType: "image/png", data });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.upload.sizeBytes).toBe(2048);
    expect(uploaded.headers.get("access-control-allow-origin")).toBe(SITE);
    const ack = await socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "", attachmentId: uploaded.body.upload.id });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.data.attachments).toHaveLength(1);
    const url = ack.data.attachments[0]!.url;
    expect(url.startsWith(`${t.config.publicUrl}/files/`)).toBe(true);
    const local = url.replace(t.config.publicUrl, t.url);
    const res = await fetch(local);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    expect((await fetch(local.replace(/.$/, (c) => (c === "a" ? "b" : "a")))).status).toBe(404);
    const stored = await t.pool.query(`SELECT a.size_bytes, a.message_id = $1 AS linked, a.customer_id IS NOT NULL AS owned FROM attachments a WHERE a.message_id = $1`, [ack.data.id]);
    expect(stored.rows).toEqual([{ size_bytes: 2048, linked: true, owned: true }]);
    // An upload goes with one message only, and only its own visitor's.
    const again = await socket.emitWithAck("chat:send", { clientId: randomUUID(), attachmentId: uploaded.body.upload.id });
    expect(again).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const other = await visitor();
    const theirs = await upload(other.session.visitorToken, { name: "theirs.png", contentType: "image/png", data });
    expect(await socket.emitWithAck("chat:send", { clientId: randomUUID(), attachmentId: theirs.body.upload.id })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });

  it("refuses an oversized file, a disallowed type, a file that is not what it claims and a stranger, with clear errors", async () => {
    const { socket, session } = await visitor();
    const before = (await t.pool.query(`SELECT count(*)::int AS n FROM attachments`)).rows[0].n;
    const big = await upload(session.visitorToken, { name: "huge.png", contentType: "image/png", data: png(70 * 1024) });
    expect([big.status, big.body.error.code]).toEqual([413, "TOO_LARGE"]);
    const html = await upload(session.visitorToken, { name: "x.html", contentType: "text/html", data: Buffer.from("<script>alert(1)</script>") });
    expect([html.status, html.body.error.code]).toEqual([400, "VALIDATION"]);
    expect(html.body.error.message).toMatch(/^Files of type text\/html cannot be sent here/);
    const liar = await upload(session.visitorToken, { name: "x.png", contentType: "image/png", data: Buffer.from("<svg onload=alert(1)>") });
    expect(liar.body.error).toMatchObject({ code: "VALIDATION", message: "The file's content is not image/png" });
    const file = { name: "ok.png", contentType: "image/png", data: png(100) };
    expect((await upload("v1.forged.token.sig", file)).body.error.code).toBe("UNAUTHENTICATED");
    expect((await upload(session.visitorToken, file, { origin: "https://elsewhere.example.test" })).body.error.code).toBe("FORBIDDEN");
    expect((await upload(session.visitorToken, file, { "x-switchboard-widget": "wk_unknown_key" })).body.error.code).toBe("NOT_FOUND");
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM attachments`)).rows[0].n).toBe(before);
    expect(socket.connected).toBe(true);
  });
});

describe("delivered and read marks", () => {
  it("marks replies delivered and read from the widget, and the visitor's messages read when an agent looks", async () => {
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const agent = await createAgent(t.pool, { name: "Marks Agent", presence: "available" });
    const cookie = await t.login(agent.email);
    const agentSocket = await t.connectAgent(cookie);
    const { socket: v } = await visitor();
    const offered = nextEvent<OfferView>(agentSocket, "offer:new");
    const mine = await send(v, "Is anyone reading this?");
    if (!mine.ok) throw new Error("send failed");
    expect(mine.data).toMatchObject({ delivered: true, readAt: null });
    const offer = await offered;
    await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`);

    // The agent opens the chat: the visitor sees their message read.
    const seen = nextEvent<ChatMessageView>(v as never, "chat:message", (m) => m.id === mine.data.id && m.readAt !== null);
    agentSocket.emit("conversation:seen", { conversationId: offer.conversation.id });
    expect((await seen).readAt).not.toBeNull();

    const reply = nextEvent<ChatMessageView>(v as never, "chat:message", (m) => m.from === "agent");
    const sent = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${offer.conversation.id}/messages`, { body: "Yes, I am!" });
    const arrived = await reply;
    expect(arrived.delivered).toBe(false);
    const status = (id: string) => t.pool.query(`SELECT status, read_at IS NOT NULL AS read FROM messages WHERE id = $1`, [id]).then((r) => r.rows[0]);
    await eventually(async () => (await status(sent.body.message.id)).status === "sent");

    // Another visitor cannot mark this reply.
    const { socket: other } = await visitor();
    other.emit("chat:receipt", { messageIds: [arrived.id], read: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(await status(sent.body.message.id)).toEqual({ status: "sent", read: false });

    const updated = nextEvent<MessageView>(agentSocket, "message:updated", (m) => m.id === arrived.id && m.readAt !== null);
    v.emit("chat:receipt", { messageIds: [arrived.id], read: false });
    await eventually(async () => (await status(sent.body.message.id)).status === "delivered");
    v.emit("chat:receipt", { messageIds: [arrived.id], read: true });
    expect((await updated).status).toBe("delivered");
    expect(await status(sent.body.message.id)).toEqual({ status: "delivered", read: true });
  });
});

describe("the pre-chat form", () => {
  it("names the visitor for the agent and suggests a matching customer, without linking or showing any history", async () => {
    await t.sendSms({ From: "+14155550166", Body: "SMS from the real owner of this number" });
    const owner = (await t.pool.query(`SELECT customer_id FROM identities WHERE value = '+14155550166'`)).rows[0].customer_id;
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    const agent = await createAgent(t.pool, { presence: "available" });
    const cookie = await t.login(agent.email);
    const { socket, session } = await visitor();
    expect(await socket.emitWithAck("chat:profile", { name: "Sam" })).toMatchObject({ ok: false, error: { message: "Please give an email address or a phone number" } });
    expect(await socket.emitWithAck("chat:profile", { name: "Sam", phone: "(415) 555-0166" })).toEqual({ ok: true, data: { saved: true } });
    await send(socket, "It's me, the owner of that number");
    const history = await socket.emitWithAck("chat:history", {});
    expect(history.ok && history.data.messages.map((m) => m.body)).toEqual(["It's me, the owner of that number"]);
    const conversation = (await t.pool.query(`SELECT id, customer_id FROM conversations WHERE channel = 'chat' AND customer_address = $1`, [session.visitorId])).rows[0];
    expect(conversation.customer_id).not.toBe(owner);
    const view = await t.api<{ claimed: unknown; suggestedMatches: { id: string; matchedOn: string }[] }>(cookie, "GET", `/api/conversations/${conversation.id}`);
    expect(view.body.claimed).toEqual({ name: "Sam", email: null, phone: "+14155550166" });
    expect(view.body.suggestedMatches).toEqual([expect.objectContaining({ id: owner, matchedOn: "phone +14155550166" })]);
  });
});

describe("abuse limits (these run last: they use up this address's allowance)", () => {
  it("refuses a visitor sending faster than a person types", async () => {
    const { socket } = await visitor();
    const results = [];
    for (let i = 0; i < 21; i++) results.push(await send(socket, `spam ${i}`));
    expect(results.slice(0, 20).every((r) => r.ok)).toBe(true);
    expect(results[20]).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    const stored = await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE body LIKE 'spam %'`);
    expect(stored.rows[0].n).toBe(20);
  });

  it("refuses an address that opens connections in a loop", async () => {
    let refused: Error | null = null;
    for (let i = 0; i < 31 && !refused; i++) {
      await visitor().catch((err: Error) => (refused = err));
    }
    expect(refused).not.toBeNull();
    expect(refused!.message).toMatch(/^RATE_LIMITED: Too many connections from this address/);
  });
});
