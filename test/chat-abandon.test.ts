// A chat visitor who ends the chat (chat:end on the real /chat namespace) while it still waits for an
// agent abandoned it, as a caller who hangs up in the queue does: the pending offer is withdrawn, the
// wait in the contact history ends as abandoned, and the live board and the reports count it. A chat
// already answered ends without an abandon. An SMS customer who replies STOP while waiting has not left
// the queue (their question still waits; only SMS replies are refused): no abandon either.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OfferView } from "../shared/api.ts";
import type { BoardSnapshot } from "../shared/board.ts";
import type { Report } from "../shared/reports.ts";
import { applyBoardUpdate } from "../shared/board-updates.ts";
import { connectVisitor, type VisitorSocket } from "./support/chat-visitor.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
let t: TestApp;
let widgetKey: string;
let supportId: string;
let supervisorCookie: string;
let ada: { id: string; cookie: string; socket: Awaited<ReturnType<TestApp["connectAgent"]>> };
let board: BoardSnapshot;
const sockets: VisitorSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ start: { boardCoalesceMs: 50 } });
  supportId = (await createQueue(t.pool, { name: "Support" })).id;
  await t.pool.query(`UPDATE metric_settings SET short_abandon_seconds = 5`);
  const admin = await createAgent(t.pool, { role: "admin" });
  const supervisor = await createAgent(t.pool, { role: "supervisor" });
  await t.pool.query(`DELETE FROM queue_members WHERE agent_id = ANY($1)`, [[admin.id, supervisor.id]]);
  const created = await t.api<{ widget: { publicKey: string } }>(await t.login(admin.email), "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] });
  widgetKey = created.body.widget.publicKey;
  supervisorCookie = await t.login(supervisor.email);
  const watcher = await t.connectAgent(supervisorCookie);
  const ack = await watcher.emitWithAck("board:watch", {});
  if (!ack.ok) throw new Error(ack.error.code);
  board = ack.data;
  watcher.on("board:update", (u) => (board = applyBoardUpdate(board, u)));
  const agent = await createAgent(t.pool, { name: "Ada Agent" });
  const cookie = await t.login(agent.email);
  ada = { id: agent.id, cookie, socket: await t.connectAgent(cookie) };
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t?.close();
});
beforeEach(async () => {
  await t.api(ada.cookie, "PUT", "/api/me/presence", { presence: "away" });
});

/** A visitor writes; Ada (made available) is offered the chat. */
async function waitingChat(): Promise<{ socket: VisitorSocket; conversationId: string; offer: OfferView }> {
  const v = await connectVisitor(t.url, { widgetKey, origin: SITE });
  sockets.push(v.socket);
  const body = `Where is my order? ${randomUUID()}`;
  expect((await v.socket.emitWithAck("chat:send", { clientId: randomUUID(), body })).ok).toBe(true);
  const conversationId = await eventually(async () => (await t.pool.query(`SELECT conversation_id FROM messages WHERE body = $1`, [body])).rows[0]?.conversation_id as string | undefined);
  const offered = nextEvent<OfferView>(ada.socket, "offer:new", (o) => o.conversation.id === conversationId, 8000);
  await t.api(ada.cookie, "PUT", "/api/me/presence", { presence: "available" });
  return { socket: v.socket, conversationId, offer: await offered };
}
const waitsOf = async (conversationId: string) =>
  (await t.pool.query(`SELECT outcome, ended_at IS NULL AS open FROM queue_waits WHERE conversation_id = $1 ORDER BY entered_at`, [conversationId])).rows;
const today = new Date().toISOString().slice(0, 10);
const reportTotal = async () =>
  (await t.api<Report>(supervisorCookie, "GET", `/api/reports?${new URLSearchParams({ from: today, to: today, timeZone: "UTC", groupBy: "channel" })}`)).body.total;
const chatRow = (b: BoardSnapshot) => b.queues.find((q) => q.queueId === supportId && q.channel === "chat");

describe("a chat visitor who ends the chat", () => {
  it("while it waits abandons it: the offer is withdrawn, the wait ends abandoned, the board and the reports count it", async () => {
    const { socket, conversationId, offer } = await waitingChat();
    // The visitor has waited half a minute (past the short-abandon threshold) when they give up.
    await t.pool.query(`UPDATE conversations SET waiting_since = now() - interval '30 seconds' WHERE id = $1`, [conversationId]);
    const before = await reportTotal();
    const endedHere = nextEvent<{ by: string | null }>(socket, "chat:ended");
    const withdrawn = nextEvent<{ offerId: string; status: string }>(ada.socket, "offer:closed", (e) => e.offerId === offer.id);

    expect(await socket.emitWithAck("chat:end", {})).toEqual({ ok: true, data: { ended: true } });
    expect(await endedHere).toEqual({ by: null });
    expect((await withdrawn).status).toBe("withdrawn");
    expect(await waitsOf(conversationId)).toEqual([{ outcome: "abandoned", open: false }]);
    const conversation = (await t.pool.query(`SELECT status, outcome FROM conversations WHERE id = $1`, [conversationId])).rows[0];
    expect(conversation).toEqual({ status: "resolved", outcome: "abandoned" });
    const timeline = await t.pool.query(`SELECT body, metadata->>'event' AS event FROM messages WHERE conversation_id = $1 AND kind = 'event'`, [conversationId]);
    expect(timeline.rows).toEqual([{ body: expect.stringMatching(/^The visitor ended the chat after waiting 3\d s \(abandoned\)$/), event: "abandoned" }]);

    // The watched board got the change by its domain event; the report counts the same abandon.
    await eventually(async () => chatRow(board)?.abandoned === 1 && chatRow(board)?.waiting === 0, { timeoutMs: 8000 });
    expect(chatRow((await t.api<BoardSnapshot>(supervisorCookie, "GET", "/api/board")).body)).toMatchObject({ abandoned: 1, shortAbandoned: 0, waiting: 0 });
    const after = await reportTotal();
    expect([after.abandoned - before.abandoned, after.offered - before.offered]).toEqual([1, 0]);
    expect(after.abandonRate).toBeGreaterThan(0);

    // A second tab's end (or a repeat) has nothing left to end.
    expect(await socket.emitWithAck("chat:end", {})).toEqual({ ok: true, data: { ended: false } });
  });

  it("once an agent answered ends the chat without an abandon, and frees the agent", async () => {
    const { socket, conversationId, offer } = await waitingChat();
    expect((await t.api(ada.cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
    const before = await reportTotal();
    expect(await socket.emitWithAck("chat:end", {})).toEqual({ ok: true, data: { ended: true } });
    expect(await waitsOf(conversationId)).toEqual([{ outcome: "answered", open: false }]);
    expect((await t.pool.query(`SELECT status, outcome FROM conversations WHERE id = $1`, [conversationId])).rows[0]).toEqual({ status: "resolved", outcome: null });
    const stint = await t.pool.query(`SELECT end_reason FROM handling_periods WHERE conversation_id = $1`, [conversationId]);
    expect(stint.rows).toEqual([{ end_reason: "resolved" }]);
    expect((await t.pool.query(`SELECT assigned FROM agent_loads WHERE agent_id = $1 AND channel = 'chat'`, [ada.id])).rows[0].assigned).toBe(0);
    expect((await reportTotal()).abandoned).toBe(before.abandoned);
  });
});

describe("an SMS customer who opts out (STOP) while waiting", () => {
  it("stays in line (the question still waits; only SMS replies are refused), and is not counted as abandoned", async () => {
    const phone = "+14155550142";
    await t.sendSms({ From: phone, Body: "Can someone call me about my bill?" });
    const conversationId = await eventually(async () => (await t.pool.query(`SELECT id FROM conversations WHERE customer_address = $1 AND channel = 'sms'`, [phone])).rows[0]?.id as string | undefined);
    const before = await reportTotal();
    expect((await t.sendSms({ From: phone, Body: "STOP" })).status).toBe(200);
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM messages WHERE conversation_id = $1 AND metadata->>'event' = 'consent_changed' AND metadata->>'status' = 'opted_out'`, [conversationId])).rowCount === 1);
    expect((await t.pool.query(`SELECT status FROM conversations WHERE id = $1`, [conversationId])).rows[0].status).toBe("queued");
    expect(await waitsOf(conversationId)).toEqual([{ outcome: null, open: true }]);
    // Closed by the business without an answer (say, after calling them): in neither count.
    expect((await t.api(supervisorCookie, "POST", `/api/conversations/${conversationId}/resolve`)).status).toBe(200);
    expect(await waitsOf(conversationId)).toEqual([{ outcome: "closed", open: false }]);
    expect((await reportTotal()).abandoned).toBe(before.abandoned);
  });
});
