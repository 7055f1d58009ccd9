// The chat benchmark's floor, in its own process: a bare socket.io server (default options, nothing else in
// the process) and two socket.io-client sockets on the websocket transport, "visitor" and "agent". The visitor
// sends the payload the widget sends (`chat:send`); the server passes it on to the agent as the payload the
// product pushes (`message:new`); the agent answers over its socket with the body of its REST reply; the server
// passes that to the visitor as the product's `chat:message`. The payloads are the ones recorded from the
// product in the same run (bodies swapped for this round trip's marker), so each hop carries as many bytes.
// Visitor send → visitor receives the answer, one round trip at a time with the same pause as the product's.
// Started by bench/chat.ts through bench/helper-child.ts; exits when its parent goes away.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io, type Socket } from "socket.io-client";

export interface FloorPayloads {
  /** What the visitor emits with `chat:send`; its body becomes `${marker} ${visitorText}`. */
  visitorSend: Record<string, unknown>;
  /** What the agent's socket receives as `message:new` (its body: the visitor's). */
  toAgent: Record<string, unknown>;
  /** The agent's reply: the JSON body of its POST; its body becomes `${marker}a ${replyText}`. */
  agentReply: Record<string, unknown>;
  /** What the visitor receives as `chat:message` (its body: the agent's). */
  toVisitor: Record<string, unknown>;
  visitorText: string;
  replyText: string;
  /** Markers have this many characters, as the product's did. */
  markerLength: number;
}

export type FloorRequest = { type: "run"; warmup: number; roundTrips: number; gapMs: number; payloads: FloorPayloads } | { type: "close" };

export interface FloorRun {
  type: "result";
  /** Round-trip times in ms, in order (warm-up excluded). */
  rttMs: number[];
  failed: number;
  /** CPU of this process (server and both clients) per round trip, ms. */
  cpuMsPerRoundTrip: number;
  wallMs: number;
  socketIoVersion: string;
}

export type FloorReply = { type: "ready" } | FloorRun | { type: "closed" };

function send(msg: FloorReply): void {
  process.send?.(msg);
}

async function run(req: Extract<FloorRequest, { type: "run" }>): Promise<FloorRun> {
  const http = createServer();
  const server = new Server(http, { serveClient: false });
  const agents = server.of("/").to("agents");
  server.on("connection", (socket) => {
    const role = (socket.handshake.auth as { role?: string }).role;
    if (role === "agent") {
      void socket.join("agents");
      socket.on("reply", (reply: { body: string; visitor: string }) => {
        server.to(reply.visitor).emit("chat:message", { ...req.payloads.toVisitor, body: reply.body });
      });
    } else {
      socket.on("chat:send", (event: { body: string }) => {
        agents.emit("message:new", { ...req.payloads.toAgent, body: event.body, conversationId: socket.id });
      });
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connect = (role: string) =>
    new Promise<Socket>((resolve, reject) => {
      const s = io(url, { auth: { role }, transports: ["websocket"], reconnection: false, forceNew: true });
      s.once("connect", () => resolve(s));
      s.once("connect_error", reject);
    });
  const visitor = await connect("visitor");
  const agent = await connect("agent");
  // The agent answers each visitor message at once, over its socket (in the product: a REST POST).
  agent.on("message:new", (m: { body: string; conversationId: string }) => {
    agent.emit("reply", { ...req.payloads.agentReply, body: `${m.body.slice(0, m.body.indexOf(" "))}a ${req.payloads.replyText}`, visitor: m.conversationId });
  });
  let waiting: { marker: string; resolve: () => void } | null = null;
  visitor.on("chat:message", (m: { body: string }) => {
    if (waiting && m.body.startsWith(`${waiting.marker}a `)) waiting.resolve();
  });
  const one = async (i: number): Promise<number> => {
    const marker = `F${String(i).padStart(req.payloads.markerLength - 1, "0")}`;
    const t0 = performance.now();
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      waiting = { marker, resolve: () => (clearTimeout(timer), resolve(true)) };
    });
    visitor.emit("chat:send", { ...req.payloads.visitorSend, body: `${marker} ${req.payloads.visitorText}` });
    const ok = await done;
    waiting = null;
    return ok ? performance.now() - t0 : Number.NaN;
  };
  const pause = () => new Promise((r) => setTimeout(r, req.gapMs));
  for (let i = 0; i < req.warmup; i++) {
    await one(req.roundTrips + i);
    await pause();
  }
  const rttMs: number[] = [];
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < req.roundTrips; i++) {
    const ms = await one(i);
    if (Number.isFinite(ms)) rttMs.push(ms);
    else failed++;
    await pause();
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  visitor.disconnect();
  agent.disconnect();
  await server.close();
  const { version } = createRequire(import.meta.url)("socket.io/package.json") as { version: string };
  return { type: "result", rttMs, failed, cpuMsPerRoundTrip: (cpu.user + cpu.system) / 1000 / req.roundTrips, wallMs, socketIoVersion: version };
}

process.on("message", (msg: FloorRequest) => {
  switch (msg.type) {
    case "run":
      void run(msg).then(send, (err) => {
        process.stderr.write(`chat floor failed: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      });
      break;
    case "close":
      send({ type: "closed" });
      process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
