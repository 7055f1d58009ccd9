// The board benchmark's agents, in their own process (their sockets and requests never run on the event loop
// of the supervisors that time the board): each a socket.io-client on /agent with its session cookie and the
// workspace's Origin, as the browser connects. During the traffic they change presence on their sockets
// (`presence:set`: in turn away, and available again on their next turn), and take the work the router offers them as a
// person would: on `offer:new` accept it (POST /api/offers/:id/accept), hold it `holdMs`, resolve it (POST
// /api/conversations/:id/resolve). Every action is noted with its send time (wall clock, ms with sub-ms
// precision: comparable with the other processes'), for bench/board-latency.ts to find on the board.
// In floor mode the sockets connect to the bare socket.io server instead and stay idle.
// Started by bench/board.ts through bench/helper-child.ts; exits when its parent goes away.
import { io, type Socket } from "socket.io-client";
import { SESSION_COOKIE } from "../server/http/cookies.ts";
import { AGENT_NAMESPACE, type AgentClientToServer, type AgentServerToClient } from "../shared/events.ts";
import type { BoardPerson } from "./board-seed.ts";

/** One thing an agent did: presence set to `value`, or offer accepted / conversation resolved (`value`: its id). */
export interface AgentAction {
  kind: "presence" | "accept" | "resolve";
  agentId: string;
  value: string;
  sentAt: number;
  ok: boolean;
}

export type AgentsRequest =
  | { type: "connect"; url: string; origin: string; people: BoardPerson[]; floor: boolean; concurrency: number; timeoutMs: number }
  | { type: "traffic"; presencePerSecond: number; durationMs: number; holdMs: number }
  | { type: "disconnect" }
  | { type: "close" };

export type AgentsReply =
  | { type: "ready" }
  | { type: "connected"; connected: number; failed: number; errors: Record<string, number>; wallMs: number }
  | { type: "traffic:done"; actions: AgentAction[]; errorSamples: string[]; offersIgnored: number }
  | { type: "disconnected" }
  | { type: "closed" };

type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

const now = () => performance.timeOrigin + performance.now();
let sockets: { person: BoardPerson; socket: AgentSocket; presence: "available" | "away" }[] = [];
let turn = 0;
let api: { url: string; origin: string } | null = null;
let taking = false;
let actions: AgentAction[] = [];
let errorSamples: string[] = [];
let offersIgnored = 0;
const holds = new Set<Promise<void>>();

function send(msg: AgentsReply): void {
  process.send?.(msg);
}

function note(action: AgentAction, error: string | null): void {
  actions.push(action);
  if (error && errorSamples.length < 5) errorSamples.push(`${action.kind}: ${error}`);
}

async function post(person: BoardPerson, path: string): Promise<string | null> {
  try {
    const res = await fetch(api!.url + path, {
      method: "POST",
      headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(person.token)}`, origin: api!.origin },
    });
    const text = await res.text();
    return res.ok ? null : `${res.status} ${text.slice(0, 120)}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Accept the offer, hold the conversation a while, resolve it. */
async function work(person: BoardPerson, offerId: string, conversationId: string, holdMs: number): Promise<void> {
  const accept: AgentAction = { kind: "accept", agentId: person.id, value: conversationId, sentAt: now(), ok: false };
  const acceptError = await post(person, `/api/offers/${offerId}/accept`);
  accept.ok = acceptError === null;
  note(accept, acceptError);
  if (!accept.ok) return;
  await new Promise((r) => setTimeout(r, holdMs));
  const resolve: AgentAction = { kind: "resolve", agentId: person.id, value: conversationId, sentAt: now(), ok: false };
  const resolveError = await post(person, `/api/conversations/${conversationId}/resolve`);
  resolve.ok = resolveError === null;
  note(resolve, resolveError);
}

function openOne(req: Extract<AgentsRequest, { type: "connect" }>, person: BoardPerson, holdMs: () => number): Promise<string | null> {
  const socket: AgentSocket = req.floor
    ? io(req.url, { auth: { role: "agent" }, transports: ["websocket"], reconnection: false, forceNew: true })
    : io(req.url + AGENT_NAMESPACE, {
        extraHeaders: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(person.token)}`, origin: req.origin },
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
  if (!req.floor) {
    socket.on("offer:new", (offer) => {
      if (!taking) {
        offersIgnored++;
        return;
      }
      const p = work(person, offer.id, offer.conversation.id, holdMs());
      holds.add(p);
      void p.finally(() => holds.delete(p));
    });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish("timeout"), req.timeoutMs);
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.off("connect_error");
      if (error) socket.disconnect();
      else sockets.push({ person, socket, presence: "available" });
      resolve(error);
    };
    socket.once("connect", () => finish(null));
    socket.once("connect_error", (err) => finish(err.message.split(/[\s:]/)[0] || "connect_error"));
  });
}

let currentHoldMs = 1500;

async function connect(req: Extract<AgentsRequest, { type: "connect" }>): Promise<AgentsReply> {
  const t0 = performance.now();
  if (!req.floor) api = { url: req.url, origin: req.origin };
  const errors: Record<string, number> = {};
  let connected = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(req.concurrency, req.people.length) }, async () => {
      while (next < req.people.length) {
        const error = await openOne(req, req.people[next++]!, () => currentHoldMs);
        if (error === null) connected++;
        else errors[error] = (errors[error] ?? 0) + 1;
      }
    }),
  );
  return { type: "connected", connected, failed: req.people.length - connected, errors, wallMs: performance.now() - t0 };
}

/**
 * Open loop: presence change k is due at t0 + k / rate, whatever the answers take. The agents take turns,
 * each going away on one turn and back to available on its next (a turn comes round every agents / rate s).
 */
async function traffic(req: Extract<AgentsRequest, { type: "traffic" }>): Promise<AgentsReply> {
  actions = [];
  errorSamples = [];
  offersIgnored = 0;
  currentHoldMs = req.holdMs;
  taking = true;
  const t0 = performance.now();
  const changes = Math.floor((req.presencePerSecond * req.durationMs) / 1000);
  const pending: Promise<void>[] = [];
  for (let k = 0; k < changes; k++) {
    const due = t0 + (k * 1000) / req.presencePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const s = sockets[turn++ % sockets.length]!;
    s.presence = s.presence === "available" ? "away" : "available";
    const action: AgentAction = { kind: "presence", agentId: s.person.id, value: s.presence, sentAt: now(), ok: false };
    pending.push(
      s.socket.timeout(10_000).emitWithAck("presence:set", { presence: s.presence }).then(
        (ack) => {
          action.ok = ack.ok;
          note(action, ack.ok ? null : ack.error.code);
        },
        (err: Error) => note(action, err.message),
      ),
    );
  }
  const left = t0 + req.durationMs - performance.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  // No new work after the window; what is held is resolved.
  taking = false;
  await Promise.all(pending);
  while (holds.size) await Promise.all([...holds]);
  return { type: "traffic:done", actions, errorSamples, offersIgnored };
}

function disconnect(): void {
  for (const s of sockets) s.socket.disconnect();
  sockets = [];
}

process.on("message", (msg: AgentsRequest) => {
  switch (msg.type) {
    case "connect":
      void connect(msg).then(send);
      break;
    case "traffic":
      void traffic(msg).then(send);
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
