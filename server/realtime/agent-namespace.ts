// Socket.io namespace /agent: authenticated by the same session cookie as the REST API.
// Sockets join agent:<id> (their work), supervisors (by role) and customer:<id> rooms they watch.
import type { Namespace, Server, Socket } from "socket.io";
import type { AgentView } from "../../shared/api.ts";
import { AGENT_NAMESPACE, SeenEvent, SetPresenceEvent, TypingEvent, WatchCustomerEvent, type AgentClientToServer, type AgentServerToClient } from "../../shared/events.ts";
import { authenticate } from "../domain/auth/sessions.ts";
import type { DomainEvent } from "../domain/events.ts";
import type { RoutingDeps } from "../domain/routing/match.ts";
import { agentSawConversation } from "../domain/chat/chat-visitor.ts";
import { announceAgentTyping } from "../domain/workspace/announce-typing.ts";
import { goOfflineIfAway, setPresence } from "../domain/workspace/set-presence.ts";
import { reportSoftphone } from "../domain/voice/softphone-readiness.ts";
import { SESSION_COOKIE, readCookie } from "../http/cookies.ts";
import type { Logger } from "../log.ts";
import { answerAck, parseEvent } from "./socket-acks.ts";

type AgentSocket = Socket<AgentClientToServer, AgentServerToClient, Record<string, never>, { agent: AgentView }>;
export type AgentNamespace = Namespace<AgentClientToServer, AgentServerToClient, Record<string, never>, { agent: AgentView }>;

export interface AgentRealtimeDeps extends RoutingDeps {
  log: Logger;
  /** How long an agent with no socket left stays as they were before going offline. */
  disconnectGraceMs: number;
}

const rooms = {
  agent: (id: string) => `agent:${id}`,
  customer: (id: string) => `customer:${id}`,
  supervisors: "supervisors",
};

export function attachAgentNamespace(io: Server, deps: AgentRealtimeDeps): AgentNamespace {
  const nsp = io.of(AGENT_NAMESPACE) as AgentNamespace;

  nsp.use(async (socket, next) => {
    try {
      const agent = await authenticate(deps, readCookie(socket.request.headers.cookie, SESSION_COOKIE));
      if (!agent) return next(new Error("UNAUTHENTICATED"));
      socket.data.agent = agent;
      next();
    } catch (err) {
      deps.log.error("socket authentication failed", { err });
      next(new Error("INTERNAL"));
    }
  });

  nsp.on("connection", (socket: AgentSocket) => {
    const agent = socket.data.agent;
    void socket.join(rooms.agent(agent.id));
    if (agent.role === "supervisor" || agent.role === "admin") void socket.join(rooms.supervisors);

    socket.on("presence:set", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        const { presence } = parseEvent(SetPresenceEvent, raw);
        return setPresence(deps, { agentId: agent.id, presence });
      }),
    );
    socket.on("customer:watch", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        // Any agent may watch any customer: no department an island (invariant 4).
        await socket.join(rooms.customer(parseEvent(WatchCustomerEvent, raw).customerId));
        return null;
      }),
    );
    socket.on("customer:unwatch", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        await socket.leave(rooms.customer(parseEvent(WatchCustomerEvent, raw).customerId));
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
    socket.on("disconnect", () => {
      setTimeout(() => {
        void (async () => {
          const left = await nsp.in(rooms.agent(agent.id)).fetchSockets();
          if (left.length > 0) return;
          // Its softphone went with the last tab: calls must not ring there any more.
          await reportSoftphone(deps, { agentId: agent.id, registered: false });
          await goOfflineIfAway(deps, agent.id);
        })().catch((err) => deps.log.error("auto-offline failed", { err }));
      }, deps.disconnectGraceMs).unref();
    });
  });

  return nsp;
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
      to([rooms.customer(c.customer.id), rooms.supervisors, c.assignedAgentId && rooms.agent(c.assignedAgentId)]).emit("conversation:updated", c);
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
    case "agent.notice":
      to([rooms.agent(event.agentId)]).emit("agent:notice", event.notice);
      break;
  }
}
