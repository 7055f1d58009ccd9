// The board benchmark's supervisors, in their own process: each a socket.io-client on /agent with its session
// cookie and the workspace's Origin, watching the live board (`board:watch`) as the board screen does. Each
// socket notes when every `board:update` reached it (wall clock, ms with sub-ms precision: comparable with the
// other processes'); the updates themselves are kept once, from the first socket (all get the same ones, in
// the same order). In floor mode the sockets connect to the bare socket.io server and note `floor:update`.
// Started by bench/board.ts through bench/helper-child.ts; exits when its parent goes away.
import { io, type Socket } from "socket.io-client";
import { SESSION_COOKIE } from "../server/http/cookies.ts";
import type { BoardSnapshot, BoardUpdate } from "../shared/board.ts";
import { AGENT_NAMESPACE, type AgentClientToServer, type AgentServerToClient } from "../shared/events.ts";
import type { BoardPerson } from "./board-seed.ts";
import { summarize, type Summary } from "./stats.ts";

export type WatchersRequest =
  | { type: "connect"; url: string; origin: string; people: BoardPerson[]; floor: boolean; concurrency: number; timeoutMs: number }
  | { type: "watch" }
  | { type: "unwatch" }
  | { type: "take" }
  | { type: "disconnect" }
  | { type: "close" };

export interface WatchersTake {
  type: "taken";
  /** The updates the first socket received, in order (board mode). */
  updates: BoardUpdate[];
  /** Per socket: [update's `at` (board) or sequence number (floor), received at] in the order received. */
  received: [string, number][][];
  /** Floor mode: the sender's emit time of each sequence number. */
  floorSentAt: Record<string, number>;
  disconnects: number;
}

export type WatchersReply =
  | { type: "ready" }
  | { type: "connected"; connected: number; failed: number; errors: Record<string, number>; wallMs: number }
  | { type: "watching"; snapshot: BoardSnapshot; refused: number; snapshotBytes: number; watchMs: Summary }
  | { type: "unwatched" }
  | WatchersTake
  | { type: "disconnected" }
  | { type: "closed" };

type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

const now = () => performance.timeOrigin + performance.now();
let sockets: AgentSocket[] = [];
let received: [string, number][][] = [];
let updates: BoardUpdate[] = [];
let floorSentAt: Record<string, number> = {};
let disconnects = 0;
let closing = false;

function send(msg: WatchersReply): void {
  process.send?.(msg);
}

function openOne(req: Extract<WatchersRequest, { type: "connect" }>, person: BoardPerson, index: number): Promise<string | null> {
  const socket: AgentSocket = req.floor
    ? io(req.url, { auth: { role: "supervisor" }, transports: ["websocket"], reconnection: false, forceNew: true })
    : io(req.url + AGENT_NAMESPACE, {
        extraHeaders: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(person.token)}`, origin: req.origin },
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
  received[index] = [];
  if (req.floor) {
    (socket as unknown as Socket).on("floor:update", (u: { seq: number; sentAt: number }) => {
      received[index]!.push([String(u.seq), now()]);
      if (index === 0) floorSentAt[String(u.seq)] = u.sentAt;
    });
  } else {
    socket.on("board:update", (u) => {
      received[index]!.push([u.at, now()]);
      if (index === 0) updates.push(u);
    });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish("timeout"), req.timeoutMs);
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.off("connect_error");
      if (error) {
        socket.disconnect();
        return resolve(error);
      }
      sockets[index] = socket;
      socket.on("disconnect", () => {
        if (!closing) disconnects++;
      });
      resolve(null);
    };
    socket.once("connect", () => finish(null));
    socket.once("connect_error", (err) => finish(err.message.split(/[\s:]/)[0] || "connect_error"));
  });
}

async function connect(req: Extract<WatchersRequest, { type: "connect" }>): Promise<WatchersReply> {
  const t0 = performance.now();
  closing = false;
  sockets = [];
  received = [];
  const errors: Record<string, number> = {};
  let connected = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(req.concurrency, req.people.length) }, async () => {
      while (next < req.people.length) {
        const k = next++;
        const error = await openOne(req, req.people[k]!, k);
        if (error === null) connected++;
        else errors[error] = (errors[error] ?? 0) + 1;
      }
    }),
  );
  return { type: "connected", connected, failed: req.people.length - connected, errors, wallMs: performance.now() - t0 };
}

/** Every supervisor asks for the board at once, as 50 screens opened together would. */
async function watch(): Promise<WatchersReply> {
  let snapshot: BoardSnapshot | null = null;
  let refused = 0;
  const times: number[] = [];
  await Promise.all(
    sockets.map(
      (s, k) =>
        new Promise<void>((resolve, reject) => {
          const t0 = performance.now();
          const timer = setTimeout(() => reject(new Error("board:watch unanswered within 30 s")), 30_000);
          s.emit("board:watch", {}, (ack) => {
            clearTimeout(timer);
            times.push(performance.now() - t0);
            if (!ack.ok) refused++;
            else if (k === 0) {
              snapshot = ack.data;
              // In the ack's own callback (before any later frame is handled): what the first socket got
              // before its board is already in it, and the updates after it follow from it.
              updates = [];
            }
            resolve();
          });
        }),
    ),
  );
  if (!snapshot) throw new Error("the first supervisor got no board");
  return { type: "watching", snapshot, refused, snapshotBytes: JSON.stringify(snapshot).length, watchMs: summarize(times) };
}

function take(): WatchersTake {
  const out: WatchersTake = { type: "taken", updates, received, floorSentAt, disconnects };
  updates = [];
  received = received.map(() => []);
  floorSentAt = {};
  return out;
}

function disconnect(): void {
  closing = true;
  for (const s of sockets) s?.disconnect();
  sockets = [];
}

process.on("message", (msg: WatchersRequest) => {
  switch (msg.type) {
    case "connect":
      void connect(msg).then(send);
      break;
    case "watch":
      void watch().then(send, (err) => {
        process.stderr.write(`board watchers: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      });
      break;
    case "unwatch":
      void Promise.all(sockets.map((s) => s.timeout(10_000).emitWithAck("board:unwatch", {}))).then(() => send({ type: "unwatched" }));
      break;
    case "take":
      send(take());
      break;
    case "disconnect":
      disconnect();
      send({ type: "disconnected" });
      break;
    case "close":
      disconnect();
      send({ type: "closed" });
      setTimeout(() => process.exit(0), 200).unref();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
