// What the domain announces after a commit; server/realtime turns these into socket emits.
import type { AgentView, ChannelHealth, ConversationView, MessageView, OfferView } from "../../shared/api.ts";
import type { ChatMessageView } from "../../shared/chat.ts";
import type { AgentNotice } from "../../shared/events.ts";
import type { AlertView } from "../../shared/service-levels.ts";
import type { CallMonitoringEvent } from "../../shared/call-monitor.ts";
import type { CallConsultEvent } from "../../shared/call-consult.ts";

export type DomainEvent =
  | { type: "message.created"; message: MessageView; assignedAgentId: string | null }
  | { type: "message.updated"; message: MessageView; assignedAgentId: string | null }
  /** alsoAgentIds: agents who had it and must see it go (a snoozed conversation that woke back into its queue). */
  | { type: "conversation.updated"; conversation: ConversationView; alsoAgentIds?: string[] }
  | { type: "offer.created"; offer: OfferView }
  | { type: "offer.closed"; offerId: string; agentId: string; conversationId: string; status: OfferView["status"] }
  | { type: "agent.updated"; agent: AgentView }
  /** A channel started failing or recovered: every agent's banner shows it. */
  | { type: "channel.health"; health: ChannelHealth }
  | { type: "agent.notice"; agentId: string; notice: AgentNotice }
  /** A customer's record changed: agents watching the customer reload their panel. */
  | { type: "customer.updated"; customerId: string }
  /** A wait reached its service-level warning or breach: to supervisors and the queue's members. */
  | { type: "service_level.alert"; alert: AlertView; memberAgentIds: string[] }
  /** Someone types in a conversation: agents watching the customer see it (nobody answers twice). */
  | { type: "conversation.typing"; conversationId: string; customerId: string; assignedAgentId: string | null; who: "customer" | "agent"; agentId: string | null; name: string | null; typing: boolean }
  /** To a chat visitor's widget(s), wherever they are connected. */
  | { type: "chat.message"; visitorId: string; message: ChatMessageView }
  | { type: "chat.typing"; visitorId: string; typing: boolean; name: string | null }
  | { type: "chat.ended"; visitorId: string; by: string | null }
  /** Sessions ended (null ids: all of the agent's): every server disconnects their sockets. */
  | { type: "sessions.ended"; agentId: string; reason: SessionEndReason; sessionId: string | null; exceptSessionId: string | null }
  /** Two customers were merged (or the merge undone): workspaces showing either reload them. */
  /** Who monitors a call changed: announceTo is the call's agent when the business tells agents, else null. */
  | { type: "call.monitoring"; event: CallMonitoringEvent; announceTo: string | null }
  /** A warm transfer's consultation changed: to the agent who has the call and the colleague consulted. */
  | { type: "call.consult"; event: CallConsultEvent; agentIds: string[] }
  | { type: "customer.merged"; mergeId: string; sourceId: string; targetId: string; undone: boolean; assignedAgentIds: string[] };

/** signed_out: a supervisor signed the agent out from the live board. */
export type SessionEndReason = "logout" | "password_changed" | "deactivated" | "expired" | "signed_out";

export interface EventPublisher {
  publish(...events: DomainEvent[]): Promise<void>;
}
