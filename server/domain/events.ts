// What the domain announces after a commit; server/realtime turns these into socket emits.
import type { AgentView, ConversationView, MessageView, OfferView } from "../../shared/api.ts";
import type { ChatMessageView } from "../../shared/chat.ts";
import type { AgentNotice } from "../../shared/events.ts";

export type DomainEvent =
  | { type: "message.created"; message: MessageView; assignedAgentId: string | null }
  | { type: "message.updated"; message: MessageView; assignedAgentId: string | null }
  | { type: "conversation.updated"; conversation: ConversationView }
  | { type: "offer.created"; offer: OfferView }
  | { type: "offer.closed"; offerId: string; agentId: string; conversationId: string; status: OfferView["status"] }
  | { type: "agent.updated"; agent: AgentView }
  | { type: "agent.notice"; agentId: string; notice: AgentNotice }
  /** Someone types in a conversation: agents watching the customer see it (nobody answers twice). */
  | { type: "conversation.typing"; conversationId: string; customerId: string; assignedAgentId: string | null; who: "customer" | "agent"; agentId: string | null; name: string | null; typing: boolean }
  /** To a chat visitor's widget(s), wherever they are connected. */
  | { type: "chat.message"; visitorId: string; message: ChatMessageView }
  | { type: "chat.typing"; visitorId: string; typing: boolean; name: string | null }
  | { type: "chat.ended"; visitorId: string; by: string | null };

export interface EventPublisher {
  publish(...events: DomainEvent[]): Promise<void>;
}
