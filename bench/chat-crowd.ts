// Idle chat visitors for the chat benchmark, in their own process (so their timers and garbage never run on
// the event loop that times the round trips): each one a socket.io-client to /chat as the widget connects
// (websocket transport, the widget key in `auth`, an allowed Origin), opened from one of many loopback
// source addresses (`localAddress`, passed by engine.io-client to ws and on to net.connect) because the
// product allows 30 connects per address per minute. Idle: connected, `chat:session` received, nothing sent.
// Started by bench/chat.ts through bench/helper-child.ts; exits when its parent goes away.
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { CHAT_NAMESPACE, type ChatServerToVisitor, type ChatVisitorToServer } from "../shared/chat.ts";
import { summarize, type Summary } from "./stats.ts";

export type CrowdRequest =
  | {
      type: "open";
      url: string;
      widgetKey: string;
      origin: string;
      /** How many more sockets to open. */
      count: number;
      /** Source addresses, used in turn: socket k (counted over the whole run) from addresses[k % length]. */
      addresses: string[];
      /** Handshakes in flight at once. */
      concurrency: number;
      /**
       * Spread the opens evenly over this long (0: as fast as the concurrency allows). Over socket.io's ping
       * interval, the sockets' heartbeats then come as evenly as visitors arriving at random would make them.
       */
      spreadMs: number;
      /** A socket with no `chat:session` by then counts as failed. */
      timeoutMs: number;
    }
  | { type: "status" }
  | { type: "close" };

export interface CrowdOpened {
  type: "opened";
  opened: number;
  failed: number;
  /** Failures by the first word of the refusal ("RATE_LIMITED:", "timeout", …). */
  errors: Record<string, number>;
  wallMs: number;
  /** io() → `chat:session`, per socket opened, ms. */
  handshakeMs: Summary;
  /** Idle sockets open in this process now. */
  open: number;
  /** The most sockets opened from one source address so far (the product allows 30 per minute). */
  maxPerAddress: number;
}

export type CrowdReply =
  | { type: "ready" }
  | CrowdOpened
  | { type: "status"; open: number; disconnects: number; disconnectReasons: Record<string, number>; rss: number }
  | { type: "closed" };

type Visitor = Socket<ChatServerToVisitor, ChatVisitorToServer>;

const sockets: Visitor[] = [];
let started = 0;
let disconnects = 0;
let closing = false;
const disconnectReasons: Record<string, number> = {};
const perAddress = new Map<string, number>();

function send(msg: CrowdReply): void {
  process.send?.(msg);
}

function openOne(req: Extract<CrowdRequest, { type: "open" }>, localAddress: string, handshakeMs: number[]): Promise<string | null> {
  // localAddress is an engine.io-client option in Node (not in its TypeScript types).
  const options: Partial<ManagerOptions & SocketOptions> & { localAddress: string } = {
    auth: { widgetKey: req.widgetKey },
    extraHeaders: { origin: req.origin },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    localAddress,
  };
  const t0 = performance.now();
  const socket: Visitor = io(req.url + CHAT_NAMESPACE, options);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish("timeout"), req.timeoutMs);
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.off("chat:session");
      socket.off("connect_error");
      if (error) {
        socket.disconnect();
        resolve(error);
        return;
      }
      handshakeMs.push(performance.now() - t0);
      sockets.push(socket);
      socket.on("disconnect", (reason) => {
        if (closing) return;
        disconnects++;
        disconnectReasons[reason] = (disconnectReasons[reason] ?? 0) + 1;
      });
      resolve(null);
    };
    socket.once("chat:session", () => finish(null));
    socket.once("connect_error", (err) => finish(err.message.split(/[\s:]/)[0] || "connect_error"));
  });
}

async function open(req: Extract<CrowdRequest, { type: "open" }>): Promise<CrowdOpened> {
  const t0 = performance.now();
  const errors: Record<string, number> = {};
  let opened = 0;
  let failed = 0;
  let next = 0;
  const handshakeMs: number[] = [];
  await Promise.all(
    Array.from({ length: Math.min(req.concurrency, req.count) }, async () => {
      while (next < req.count) {
        const k = next++;
        const due = t0 + (k * req.spreadMs) / req.count;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const address = req.addresses[started++ % req.addresses.length]!;
        perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
        const error = await openOne(req, address, handshakeMs);
        if (error === null) opened++;
        else {
          failed++;
          errors[error] = (errors[error] ?? 0) + 1;
        }
      }
    }),
  );
  return {
    type: "opened",
    opened,
    failed,
    errors,
    wallMs: performance.now() - t0,
    handshakeMs: summarize(handshakeMs),
    open: sockets.length,
    maxPerAddress: Math.max(0, ...perAddress.values()),
  };
}

function close(): void {
  closing = true;
  for (const s of sockets) s.disconnect();
  send({ type: "closed" });
  // Let the close frames go out, then leave.
  setTimeout(() => process.exit(0), 200).unref();
}

process.on("message", (msg: CrowdRequest) => {
  switch (msg.type) {
    case "open":
      void open(msg).then(send);
      break;
    case "status":
      send({ type: "status", open: sockets.length, disconnects, disconnectReasons, rss: process.memoryUsage().rss });
      break;
    case "close":
      close();
      break;
  }
});
// The parent went away (crash, Ctrl-C): never outlive it; the sockets close with the process.
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
