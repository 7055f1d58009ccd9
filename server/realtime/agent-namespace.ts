// Socket.io namespace /agent: authenticated by the same session cookie as the REST API.
// Sockets join agent:<id> (their work), supervisors (by role) and customer:<id> rooms they watch.
import type { Namespace, Server, Socket } from "socket.io";
import type { AgentView } from "../../shared/api.ts";
import { AGENT_NAMESPACE, SeenEvent, SetPresenceEvent, TypingEvent, WatchCustomerEvent, type AgentClientToServer, type AgentServerToClient } from "../../shared/events.ts";
import { authenticateSession } from "../domain/auth/sessions.ts";
import type { DomainEvent, SessionEndReason } from "../domain/events.ts";
import type { RoutingDeps } from "../domain/routing/match.ts";
import type { PrismaClient } from "../db/client.ts";
import { agentSawConversation } from "../domain/chat/chat-visitor.ts";
import { announceAgentTyping } from "../domain/workspace/announce-typing.ts";
import { setPresence } from "../domain/workspace/set-presence.ts";
import { SESSION_COOKIE, readCookie } from "../http/cookies.ts";
import { socketOriginAllowed } from "../http/origin-check.ts";
import type { Logger } from "../log.ts";
import type { AgentSocketRegistry } from "../redis/agent-sockets.ts";
import { answerAck, parseEvent } from "./socket-acks.ts";
import { AGENT_EVENT_BUDGET, limitSocketEvents } from "./event-budget.ts";
import { BOARD_ROOM, createBoardFeed, type BoardFeed } from "./board-feed.ts";
import { assertCan } from "../domain/auth/permissions.ts";

/** The session id (the token's hash) lets a logout close only that session's sockets. */
interface AgentSocketData {
  agent: AgentView;
  sessionId: string;
  expiresAt: Date;
}
type AgentSocket = Socket<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;
export type AgentNamespace = Namespace<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;

export interface AgentRealtimeDeps extends RoutingDeps {
  prisma: PrismaClient;
  log: Logger;
  /** How long an agent with no socket left stays as they were before going offline. */
  disconnectGraceMs: number;
  /** The agents' open sockets on every server process (auto-offline counts them all). */
  agentSockets: AgentSocketRegistry;
  /** The workspace's own origin: the handshake of a page from anywhere else is refused. */
  publicUrl: string;
  /** The live board reads the database at most once per this many ms (default 50). */
  boardCoalesceMs?: number;
  /** …and whole once per this many ms (default 60 s). */
  boardFullEveryMs?: number;
}

// setTimeout holds at most ~24.8 days; sessions are far shorter, but never overflow into "at once".
const MAX_TIMER_MS = 2 ** 31 - 1;

const rooms = {
  agent: (id: string) => `agent:${id}`,
  customer: (id: string) => `customer:${id}`,
  supervisors: "supervisors",
};

export function attachAgentNamespace(io: Server, deps: AgentRealtimeDeps): { nsp: AgentNamespace; board: BoardFeed } {
  const nsp = io.of(AGENT_NAMESPACE) as AgentNamespace;
  const board = createBoardFeed(nsp, { pool: deps.pool, log: deps.log, coalesceMs: deps.boardCoalesceMs, fullEveryMs: deps.boardFullEveryMs });

  nsp.use(async (socket, next) => {
    try {
      // Cross-site WebSocket hijacking: the cookie would ride along from any page, so the origin decides.
      if (!socketOriginAllowed(socket.handshake.headers, deps.publicUrl)) return next(new Error("FORBIDDEN"));
      const session = await authenticateSession(deps, readCookie(socket.request.headers.cookie, SESSION_COOKIE));
      if (!session) return next(new Error("UNAUTHENTICATED"));
      socket.data = session;
      next();
    } catch (err) {
      deps.log.error("socket authentication failed", { err });
      next(new Error("INTERNAL"));
    }
  });

  nsp.on("connection", (socket: AgentSocket) => {
    const agent = socket.data.agent;
    void deps.agentSockets.add(agent.id, socket.id).catch((err) => deps.log.error("socket registry failed", { err }));
    void socket.join(rooms.agent(agent.id));
    // The session's end is this socket's end, even with nobody calling in between.
    const expiry = setTimeout(() => endSocket(socket, "expired"), Math.min(Math.max(0, socket.data.expiresAt.getTime() - Date.now()), MAX_TIMER_MS));
    expiry.unref();
    if (agent.role === "supervisor" || agent.role === "admin") void socket.join(rooms.supervisors);
    limitSocketEvents(socket, AGENT_EVENT_BUDGET);

    socket.on("presence:set", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        const { presence, awayReasonId } = parseEvent(SetPresenceEvent, raw);
        return setPresence(deps, { agentId: agent.id, presence, awayReasonId });
      }),
    );
    socket.on("customer:watch", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        // Any agent may watch any customer: no department an island (invariant 4).
        const { customerId } = parseEvent(WatchCustomerEvent, raw);
        await socket.join(rooms.customer(customerId));
        void announceViewers(nsp, customerId).catch((err) => deps.log.warn("viewers not announced", { err: (err as Error).message }));
        return null;
      }),
    );
    socket.on("customer:unwatch", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        const { customerId } = parseEvent(WatchCustomerEvent, raw);
        await socket.leave(rooms.customer(customerId));
        void announceViewers(nsp, customerId).catch((err) => deps.log.warn("viewers not announced", { err: (err as Error).message }));
        return null;
      }),
    );
    socket.on("conversation:typing", (raw) => {
      const event = TypingEvent.safeParse(raw);
      if (!event.success) return; // typing is best effort: a bad event is dropped, not answered
      void announceAgentTyping(deps, { agent, conversationId: event.data.conversationId, typing: event.data.typing }).catch((err) =>
        deps.log.error("typing announcement failed", { err }),
      );
    });
    socket.on("conversation:seen", (raw) => {
      const event = SeenEvent.safeParse(raw);
      if (!event.success) return;
      void agentSawConversation(deps, event.data.conversationId).catch((err) => deps.log.error("read mark failed", { err }));
    });
    socket.on("board:watch", (_raw, ack) =>
      answerAck(deps.log, ack, async () => {
        assertCan(agent, "board.read");
        await socket.join(BOARD_ROOM);
        return board.current();
      }),
    );
    socket.on("board:unwatch", (_raw, ack) =>
      answerAck(deps.log, ack, async () => {
        await socket.leave(BOARD_ROOM);
        return null;
      }),
    );
    // The customers this socket had open: the others watching them see it leave.
    let watched: string[] = [];
    socket.on("disconnecting", () => {
      watched = [...socket.rooms].filter((r) => r.startsWith("customer:")).map((r) => r.slice("customer:".length));
    });
    socket.on("disconnect", () => {
      clearTimeout(expiry);
      for (const customerId of watched) {
        void announceViewers(nsp, customerId).catch((err) => deps.log.warn("viewers not announced", { err: (err as Error).message }));
      }
      // A worker counts the agent's sockets on every server once the grace has passed (jobs/workers.ts).
      void (async () => {
        await deps.agentSockets.remove(agent.id, socket.id);
        await deps.queues.agentDisconnected(agent.id, deps.disconnectGraceMs);
      })().catch((err) => deps.log.error("auto-offline check could not be queued", { err }));
    });
  });

  return { nsp, board };
}

/**
 * Tells everyone watching a customer who has them open, from the sockets in the customer's room on every
 * server (the adapter asks them): nothing is kept, so a crashed server's viewers simply vanish.
 */
async function announceViewers(nsp: AgentNamespace, customerId: string): Promise<void> {
  const sockets = await nsp.in(rooms.customer(customerId)).fetchSockets();
  const viewers = new Map<string, string>();
  for (const s of sockets) viewers.set(s.data.agent.id, s.data.agent.name);
  nsp.to(rooms.customer(customerId)).emit("customer:viewers", {
    customerId,
    viewers: [...viewers].map(([agentId, name]) => ({ agentId, name })).sort((a, b) => a.name.localeCompare(b.name)),
  });
}

function endSocket(socket: AgentSocket, reason: SessionEndReason): void {
  socket.emit("session:ended", { reason });
  socket.disconnect(true);
}

/** Closes this process's sockets of the sessions that ended. */
function endSessionSockets(nsp: AgentNamespace, event: Extract<DomainEvent, { type: "sessions.ended" }>): void {
  const ids = nsp.adapter.rooms.get(rooms.agent(event.agentId));
  for (const id of [...(ids ?? [])]) {
    const socket = nsp.sockets.get(id);
    if (!socket) continue;
    if (event.sessionId && socket.data.sessionId !== event.sessionId) continue;
    if (event.exceptSessionId && socket.data.sessionId === event.exceptSessionId) continue;
    endSocket(socket, event.reason);
  }
}

/** Delivers one domain event to the sockets of this process that should see it. */
export function deliverToAgents(nsp: AgentNamespace, event: DomainEvent): void {
  // `local`: every server process reads the event stream and serves only its own sockets.
  const to = (targets: (string | null | undefined)[]) => nsp.local.to(targets.filter((t): t is string => !!t));
  switch (event.type) {
    case "message.created":
    case "message.updated": {
      const targets = [rooms.customer(event.message.customerId), rooms.supervisors, event.assignedAgentId && rooms.agent(event.assignedAgentId)];
      to(targets).emit(event.type === "message.created" ? "message:new" : "message:updated", event.message);
      break;
    }
    case "conversation.updated": {
      const c = event.conversation;
      to([rooms.customer(c.customer.id), rooms.supervisors, c.assignedAgentId && rooms.agent(c.assignedAgentId), ...(event.alsoAgentIds ?? []).map(rooms.agent)]).emit("conversation:updated", c);
      break;
    }
    case "offer.created":
      to([rooms.agent(event.offer.agentId)]).emit("offer:new", event.offer);
      break;
    case "offer.closed":
      to([rooms.agent(event.agentId)]).emit("offer:closed", { offerId: event.offerId, conversationId: event.conversationId, status: event.status });
      break;
    case "conversation.typing": {
      const { type: _type, customerId, assignedAgentId, ...typing } = event;
      to([rooms.customer(customerId), assignedAgentId && rooms.agent(assignedAgentId)]).emit("conversation:typing", typing);
      break;
    }
    case "agent.updated":
      to([rooms.agent(event.agent.id), rooms.supervisors]).emit("agent:updated", event.agent);
      break;
    case "channel.health":
      nsp.local.emit("channel:health", event.health);
      break;
    case "sessions.ended":
      endSessionSockets(nsp, event);
      break;
    case "call.monitoring":
      to([rooms.supervisors, event.announceTo && rooms.agent(event.announceTo)]).emit("call:monitoring", event.event);
      break;
    case "call.consult":
      to(event.agentIds.map(rooms.agent)).emit("call:consult", event.event);
      break;
    case "agent.notice":
      to([rooms.agent(event.agentId)]).emit("agent:notice", event.notice);
      break;
    case "customer.updated":
      to([rooms.customer(event.customerId)]).emit("customer:updated", { customerId: event.customerId });
      break;
    case "service_level.alert":
      // One emit over the rooms: a supervisor who is also a member gets it once.
      to([rooms.supervisors, ...event.memberAgentIds.map(rooms.agent)]).emit("service_level:alert", event.alert);
      break;
    case "customer.merged": {
      const { mergeId, sourceId, targetId, undone } = event;
      to([rooms.customer(sourceId), rooms.customer(targetId), ...event.assignedAgentIds.map(rooms.agent)]).emit("customer:merged", { mergeId, sourceId, targetId, undone });
      break;
    }
  }
}
