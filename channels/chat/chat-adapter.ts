// The web chat channel: replies go to the visitor's open widget through the realtime layer, which the
// composition root injects (a chat message has no provider between us and the customer).
import type { ChannelAdapter, OutboundMessage, SendResult } from "../channel.ts";

export interface ChatAdapterDeps {
  /** Pushes a stored outbound message to the visitor's widget(s), on whichever server holds them. */
  deliverToVisitor(visitorId: string, messageId: string): Promise<void>;
}

export function createChatAdapter(deps: ChatAdapterDeps): ChannelAdapter {
  return {
    channel: "chat",
    async send(message: OutboundMessage): Promise<SendResult> {
      // A chat conversation's customer address is the visitor id.
      await deps.deliverToVisitor(message.to, message.messageId);
      // The message id is its own provider id: chat has no other.
      return { externalId: message.messageId, status: "sent" };
    },
  };
}
