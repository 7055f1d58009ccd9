// The routing benchmark's agents, in their own process (their sockets' events never run on the event loop that
// times the arrivals): each a socket.io-client on /agent with its session cookie and the workspace's Origin, as
// the browser connects. On `offer:new` it notes the time (wall clock in ms with sub-ms precision, comparable
// with the generator's) and whether the offer reached the socket of the agent it names; then the agent takes the
// work and finishes it, so its capacity comes back: every `releaseEveryMs` the offers received meanwhile are
// accepted and resolved, one statement each (the rows acceptOffer and resolveConversation change: the offer
// accepted, the conversation assigned to its agent and resolved, so the triggers lower the agent's load), and each
// agent freed is handed to the router as resolveConversation does (`queues.agentMayTakeWork`).
// Started by bench/routing.ts through bench/helper-child.ts; exits when its parent goes away.
import { Redis } from "ioredis";
import pg from "pg";
import { io, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, type AgentClientToServer, type AgentServerToClient } from "../shared/events.ts";
import { SESSION_COOKIE } from "../server/http/cookies.ts";
import { createQueues, type Queues } from "../server/jobs/queues.ts";

export type AgentsRequest =
  | { type: "setup"; databaseUrl: string; redisUrl: string; redisPrefix: string; releaseEveryMs: number }
  | { type: "connect"; url: string; origin: string; agents: { id: string; token: string }[]; concurrency: number; timeoutMs: number }
  | { type: "take" }
  | { type: "close" };

export interface Receipts {
  type: "receipts";
  /** [conversation id, received at (ms since the epoch, sub-ms)] for each offer:new since the last take. */
  offers: [string, number][];
  /** Offers that arrived on a socket of another agent than the one they name. */
  misdelivered: number;
  released: number;
  releaseErrors: number;
  releaseSample: string | null;
  /** Release statements (one per offer): how many, and their mean duration, ms. */
  releaseBatches: number;
  releaseMeanMs: number;
}

export type AgentsReply =
  | { type: "ready" }
  | { type: "set-up" }
  | { type: "connected"; connected: number; failed: number; errors: Record<string, number>; wallMs: number; open: number }
  | Receipts
  | { type: "closed" };

type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

const now = () => performance.timeOrigin + performance.now();
const sockets: AgentSocket[] = [];
let offers: [string, number][] = [];
let misdelivered = 0;
let toRelease: { offerId: string; agentId: string }[] = [];
const counters = { released: 0, releaseErrors: 0, releaseSample: null as string | null, batches: 0, batchMs: 0 };
let pool: pg.Pool | null = null;
let redis: Redis | null = null;
let queues: Queues | null = null;
let releaser: NodeJS.Timeout | null = null;
let releasing = false;
const RELEASE_CONNECTIONS = 3;

function send(msg: AgentsReply): void {
  process.send?.(msg);
}

// Accept and resolve (the offers' and conversations' triggers keep agent_loads). One offer per statement, so each
// holds one agent's load row for a moment: a batch over many agents would hold them all while it waits on one
// that a match holds, and the matches would skip them meanwhile.
const RELEASE_SQL = `
  WITH accepted AS (
    UPDATE offers SET status = 'accepted', responded_at = now() WHERE id = $1 AND status = 'pending'
    RETURNING conversation_id, agent_id)
  UPDATE conversations cv SET status = 'resolved', assigned_agent_id = a.agent_id, waiting_since = NULL, resolved_at = now(), updated_at = now()
    FROM accepted a WHERE cv.id = a.conversation_id
  RETURNING a.agent_id`;

/** Releases the offers received so far, `RELEASE_CONNECTIONS` at a time, then hands each freed agent to the router. */
async function release(): Promise<void> {
  if (releasing || toRelease.length === 0 || !pool || !queues) return;
  releasing = true;
  const q = queues;
  const p = pool;
  const batch = toRelease;
  toRelease = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: RELEASE_CONNECTIONS }, async () => {
        while (next < batch.length) {
          const item = batch[next++]!;
          try {
            const t0 = performance.now();
            const { rows } = await p.query<{ agent_id: string }>({ name: "bench-release", text: RELEASE_SQL, values: [item.offerId] });
            counters.batches++;
            counters.batchMs += performance.now() - t0;
            counters.released += rows.length;
            if (rows[0]) await q.agentMayTakeWork(rows[0].agent_id);
          } catch (err) {
            counters.releaseErrors++;
            counters.releaseSample ??= (err as Error).message;
          }
        }
      }),
    );
  } finally {
    releasing = false;
  }
}

function openOne(req: Extract<AgentsRequest, { type: "connect" }>, agent: { id: string; token: string }): Promise<string | null> {
  const socket: AgentSocket = io(req.url + AGENT_NAMESPACE, {
    extraHeaders: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(agent.token)}`, origin: req.origin },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  socket.on("offer:new", (offer) => {
    offers.push([offer.conversation.id, now()]);
    if (offer.agentId !== agent.id) misdelivered++;
    toRelease.push({ offerId: offer.id, agentId: offer.agentId });
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish("timeout"), req.timeoutMs);
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.off("connect_error");
      if (error) socket.disconnect();
      else sockets.push(socket);
      resolve(error);
    };
    socket.once("connect", () => finish(null));
    socket.once("connect_error", (err) => finish(err.message.split(/[\s:]/)[0] || "connect_error"));
  });
}

async function connect(req: Extract<AgentsRequest, { type: "connect" }>): Promise<AgentsReply> {
  const t0 = performance.now();
  const errors: Record<string, number> = {};
  let connected = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(req.concurrency, req.agents.length) }, async () => {
      while (next < req.agents.length) {
        const error = await openOne(req, req.agents[next++]!);
        if (error === null) connected++;
        else errors[error] = (errors[error] ?? 0) + 1;
      }
    }),
  );
  return { type: "connected", connected, failed: req.agents.length - connected, errors, wallMs: performance.now() - t0, open: sockets.length };
}

function take(): Receipts {
  const out: Receipts = {
    type: "receipts",
    offers,
    misdelivered,
    released: counters.released,
    releaseErrors: counters.releaseErrors,
    releaseSample: counters.releaseSample,
    releaseBatches: counters.batches,
    releaseMeanMs: counters.batches ? counters.batchMs / counters.batches : Number.NaN,
  };
  offers = [];
  misdelivered = 0;
  Object.assign(counters, { released: 0, releaseErrors: 0, releaseSample: null, batches: 0, batchMs: 0 });
  return out;
}

async function close(): Promise<void> {
  if (releaser) clearInterval(releaser);
  for (const s of sockets) s.disconnect();
  await release().catch(() => {});
  await queues?.close().catch(() => {});
  redis?.disconnect();
  await pool?.end().catch(() => {});
  send({ type: "closed" });
  setTimeout(() => process.exit(0), 100).unref();
}

process.on("message", (msg: AgentsRequest) => {
  switch (msg.type) {
    case "setup":
      // The agents' work stands in for people, not for the product: its commits need not wait for the WAL flush.
      pool = new pg.Pool({ connectionString: msg.databaseUrl, max: RELEASE_CONNECTIONS, application_name: "sb-bench-agents", options: "-c synchronous_commit=off" });
      pool.on("error", () => {});
      redis = new Redis(msg.redisUrl, { maxRetriesPerRequest: null });
      queues = createQueues(redis, msg.redisPrefix);
      releaser = setInterval(() => void release(), msg.releaseEveryMs);
      send({ type: "set-up" });
      break;
    case "connect":
      void connect(msg).then(send);
      break;
    case "take":
      send(take());
      break;
    case "close":
      void close();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
