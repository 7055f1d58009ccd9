import { displayAddress } from "../customer/customer-name.ts";
import type { ConversationView } from "../../../shared/api.ts";
import { channelLabel } from "../../../shared/events.ts";
import { conversationStatusLabel } from "../common/format.ts";

export type Props = {
  conversations: ConversationView[];
  agentId: string;
  onOpen: (conversationId: string) => void;
};

function owner(conversation: ConversationView, agentId: string): string {
  if (conversation.assignedAgentId === agentId) return "assigned to you";
  if (conversation.assignedAgentId) return "assigned to another agent";
  return conversationStatusLabel[conversation.status].toLowerCase();
}

/** The customer's other open conversations, so that nobody answers the same thing twice. */
export function OtherConversationsNotice({ conversations, agentId, onOpen }: Props) {
  if (conversations.length === 0) return null;
  return (
    <div className="notice" role="note" data-testid="other-conversations">
      <strong>
        {conversations.length === 1
          ? "This customer has another open conversation:"
          : `This customer has ${conversations.length} other open conversations:`}
      </strong>
      <ul className="notice__list">
        {conversations.map((conversation) => (
          <li key={conversation.id}>
            <button className="link-button" type="button" onClick={() => onOpen(conversation.id)}>
              {channelLabel[conversation.channel]}
              {conversation.channel === "chat" ? " on the website" : ` with ${displayAddress(conversation.customerAddress)}`}
            </button>{" "}
            — {owner(conversation, agentId)}
            {conversation.subject ? <span dir="auto"> · {conversation.subject}</span> : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}
