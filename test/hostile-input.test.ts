// Hostile input: bodies over their limits are refused without being read whole, malformed bodies get a
// 400 with the reason, text PostgreSQL cannot store is cleaned at the edge (a signed webhook never
// gets a 500 for its content), sockets exist only on /agent and /chat with small frames before any
// authentication, and every chat event has a budget. The process serves on.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { io as connectSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { WidgetView } from "../shared/api.ts";
import { SOCKET_FRAME_MAX_BYTES } from "../server/switchboard.ts";
import { connectVisitor, type VisitorSocket } from "./support/chat-visitor.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
let t: TestApp;
let adminCookie: string;
let widget: WidgetView;
const sockets: { disconnect(): void }[] = [];
beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  const admin = await createAgent(t.pool, { role: "admin" });
  adminCookie = await t.login(admin.email);
  widget = (await t.api<{ widget: WidgetView }>(adminCookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] })).body.widget;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t?.close();
});

/** Sends a request whose body is produced by `write` until the server answers; returns status and bytes sent. */
function pushBody(opts: { path: string; headers: Record<string, string | number>; write: (req: http.ClientRequest) => Promise<number> }) {
  return new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(`${t.url}${opts.path}`, { method: "POST", headers: opts.headers }, (res) => {
      answered = true;
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body, sent }));
    });
    // The server closes the connection after its answer: writes after that may fail, as expected.
    req.on("error", (err) => (answered ? undefined : reject(err)));
    req.flushHeaders();
    void opts.write(req).then((n) => (sent = n));
  });
}

describe("bodies over their limits", () => {
  it("refuses a declared Content-Length over the limit at once (413 TOO_LARGE), before any body is sent", async () => {
    const res = await pushBody({
      path: "/api/auth/login",
      headers: { "content-type": "application/json", "content-length": 50 * 1024 * 1024 },
      write: async () => 0, // nothing: the answer must come from the headers alone
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("TOO_LARGE");
  });

  it("cuts off a streamed (chunked) body at the limit instead of buffering it whole", async () => {
    const cap = 64 * 1024 * 1024;
    let answered = false;
    const res = await pushBody({
      path: "/api/auth/login",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      async write(req) {
        req.on("response", () => (answered = true));
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        req.write("{\"email\": \"");
        while (!answered && sent < cap && !req.destroyed) {
          if (!req.write(chunk)) await new Promise((r) => req.once("drain", r).once("close", r));
          sent += chunk.length;
        }
        return sent;
      },
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("TOO_LARGE");
    expect(res.sent).toBeLessThan(cap);
  });

  it("refuses a chat upload over the limit from its Content-Length, before reading it", async () => {
    const { session } = await visit();
    const res = await pushBody({
      path: "/chat/uploads",
      headers: { origin: SITE, "content-type": "image/png", "content-length": 500 * 1024 * 1024, "x-switchboard-widget": widget.publicKey, "x-switchboard-visitor": session.visitorToken, "x-switchboard-file-name": "big.png" },
      write: async () => 0,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("TOO_LARGE");
  });
});

describe("malformed bodies", () => {
  it("answer 400 VALIDATION with the reason", async () => {
    for (const [type, body] of [["application/json", "{\"email\": "], ["application/json", "[1, 2"], ["application/x-www-form-urlencoded", "email=a%40b.test&password=x"]] as const) {
      const res = await fetch(`${t.url}/api/auth/login`, { method: "POST", headers: { "content-type": type }, body });
      expect(res.status, body).toBe(400);
      const error = (await res.json()).error;
      expect(error.code).toBe("VALIDATION");
      expect(error.message.length).toBeGreaterThan(10);
    }
  });
});

async function visit(): Promise<{ socket: VisitorSocket; session: Awaited<ReturnType<typeof connectVisitor>>["session"] }> {
  const v = await connectVisitor(t.url, { widgetKey: widget.publicKey, origin: SITE });
  sockets.push(v.socket);
  return v;
}

describe("text PostgreSQL cannot store", () => {
  it("a signed SMS with a NUL byte is stored cleaned and answered 2xx, also on Twilio's retry", async () => {
    const first = await t.sendSms({ From: "+12125550191", Body: "Order\u0000 #42 \ud800arrived?", MessageSid: "SM" + "a".repeat(32) });
    expect(first.status).toBe(200);
    const retry = await t.sendSms({ From: "+12125550191", Body: "Order\u0000 #42 \ud800arrived?", MessageSid: "SM" + "a".repeat(32) });
    expect(retry.status).toBe(200);
    const stored = await t.pool.query(`SELECT body FROM messages WHERE external_id = $1`, [first.messageSid]);
    expect(stored.rows).toEqual([{ body: "Order #42 \ufffdarrived?" }]);
  });

  it("REST and socket text with NUL or a lone surrogate is cleaned, not a 500", async () => {
    const created = await t.api<{ widget: WidgetView }>(adminCookie, "POST", "/api/widgets", { name: "Sh\u0000op \udc00", allowedOrigins: ["https://nul.example.test"] });
    expect(created.status).toBe(201);
    expect(created.body.widget.name).toBe("Shop \ufffd");
    const { socket } = await visit();
    const ack = await socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "hi\u0000 there" });
    expect(ack).toMatchObject({ ok: true, data: { body: "hi there" } });
    expect(await socket.emitWithAck("chat:profile", { name: "Eve\u0000", email: "eve@example.test" })).toMatchObject({ ok: true });
  });
});

describe("sockets", () => {
  it("are refused on the default namespace", async () => {
    const socket = connectSocket(`${t.url}/`, { transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(socket);
    const err = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
    expect(err.message).toBe("NOT_FOUND");
  });

  it("closes 50 unauthenticated connections sending oversized frames, and the server serves on", async () => {
    const before = process.memoryUsage().rss;
    const frame = "4" + "x".repeat(1024 * 1024); // an engine.io message packet of 1 MB, before any namespace or auth
    const closed = await Promise.all(
      Array.from({ length: 50 }, () =>
        new Promise<number>((resolve, reject) => {
          const ws = new WebSocket(`${t.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
          ws.once("open", () => ws.send(frame));
          ws.once("close", (code) => resolve(code));
          ws.once("error", () => {}); // the close that follows says what happened
          setTimeout(() => reject(new Error("not closed")), 20_000).unref();
        }),
      ),
    );
    // 1009: message too big (the frame limit), before anything was buffered past it.
    expect(closed.every((code) => code === 1009)).toBe(true);
    // A frame just under the limit is still fine for a real client.
    expect(SOCKET_FRAME_MAX_BYTES).toBeGreaterThanOrEqual(32 * 1024);
    // An oversized connect packet to /chat is closed as well, before its handshake is looked at.
    const big = connectSocket(`${t.url}/chat`, { transports: ["websocket"], reconnection: false, forceNew: true, auth: { widgetKey: "x".repeat(200 * 1024) }, extraHeaders: { origin: SITE } });
    sockets.push(big);
    const outcome = await new Promise<string>((resolve) => {
      big.once("connect", () => resolve("connected"));
      big.once("connect_error", () => resolve("refused"));
      big.once("disconnect", () => resolve("closed"));
    });
    expect(outcome).not.toBe("connected");
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    console.log(`50 oversized frames: test process rss ${Math.round(before / 1e6)} → ${Math.round(process.memoryUsage().rss / 1e6)} MB (server in-process)`);
  });

  it("limits every chat event per visitor, not only messages", async () => {
    const { socket } = await visit();
    const waits = [];
    for (let i = 0; i < 31; i++) waits.push(await socket.emitWithAck("chat:wait", {}));
    expect(waits.slice(0, 30).every((w) => w.ok)).toBe(true);
    expect(waits[30]).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    const profiles = [];
    for (let i = 0; i < 11; i++) profiles.push(await socket.emitWithAck("chat:profile", { name: `Eve ${i}`, email: "eve@example.test" }));
    expect(profiles[10]).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    const histories = [];
    for (let i = 0; i < 61; i++) histories.push(await socket.emitWithAck("chat:history", {}));
    expect(histories[60]).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    // Typing and receipts have budgets too: counted per visitor in Redis.
    for (let i = 0; i < 5; i++) socket.emit("chat:typing", { typing: i % 2 === 0 });
    await eventually(async () => Number(await t.sb.redis.get(`${t.config.redisPrefix}:rl:chat:typing:visitor:${(await visitorIdOf(socket))}`)) === 5);
  });
});

async function visitorIdOf(socket: VisitorSocket): Promise<string> {
  const ack = await socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "who am I" });
  if (!ack.ok) throw new Error(ack.error.message);
  const { rows } = await t.pool.query(`SELECT i.value FROM messages m JOIN identities i ON i.customer_id = m.customer_id AND i.kind = 'chat_visitor' WHERE m.id = $1`, [ack.data.id]);
  return rows[0].value;
}

describe("a signed-in agent flooding their socket", () => {
  it("gets RATE_LIMITED acks past the socket's budget, and the socket works again once it slows down", async () => {
    const agent = await createAgent(t.pool);
    const socket = await t.connectAgent(await t.login(agent.email));
    const customerId = randomUUID();
    const watch = () =>
      new Promise<{ ok: boolean; error?: { code: string } }>((resolve) => socket.emit("customer:watch", { customerId }, resolve as never));
    const answers = await Promise.all(Array.from({ length: 200 }, watch));
    const refused = answers.filter((a) => !a.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((a) => a.error!.code))).toEqual(new Set(["RATE_LIMITED"]));
    // The budget (a burst of 60, then 20 a second) let the first events through.
    expect(answers.filter((a) => a.ok).length).toBeGreaterThanOrEqual(60);
    await eventually(async () => (await watch()).ok, { timeoutMs: 5000, intervalMs: 200 });
  });
});
