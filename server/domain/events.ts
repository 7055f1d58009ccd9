// What the domain announces after a commit; server/realtime turns these into socket emits.
import type { AgentView, ConversationView, MessageView, OfferView } from "../../shared/api.ts";

export type DomainEvent =
  | { type: "message.created"; message: MessageView; assignedAgentId: string | null }
  | { type: "message.updated"; message: MessageView; assignedAgentId: string | null }
  | { type: "conversation.updated"; conversation: ConversationView }
  | { type: "offer.created"; offer: OfferView }
  | { type: "offer.closed"; offerId: string; agentId: string; conversationId: string; status: OfferView["status"] }
  | { type: "agent.updated"; agent: AgentView };

export interface EventPublisher {
  publish(...events: DomainEvent[]): Promise<void>;
}
