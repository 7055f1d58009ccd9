import type { ConversationView } from "../../../shared/api.ts";
import { ChannelBadge } from "../common/channel-badge.tsx";
import { conversationStatusLabel, formatTime } from "../common/format.ts";

export type Props = {
  conversation: ConversationView;
  active: boolean;
  onOpen: (conversationId: string) => void;
};

export function ConversationItem({ conversation, active, onOpen }: Props) {
  const who = conversation.customer.displayName ?? conversation.customerAddress;
  return (
    <li data-testid="conversation-item" data-conversation-id={conversation.id}>
      <button
        className={`conversation-item${active ? " conversation-item--active" : ""}`}
        type="button"
        aria-current={active ? "true" : undefined}
        onClick={() => onOpen(conversation.id)}
      >
        <span className="conversation-item__top">
          <ChannelBadge channel={conversation.channel} />
          <span className="conversation-item__who">{who}</span>
          <time className="conversation-item__time" dateTime={conversation.lastMessageAt}>
            {formatTime(conversation.lastMessageAt)}
          </time>
        </span>
        <span className="conversation-item__meta">
          {conversationStatusLabel[conversation.status]}
          {conversation.snoozedUntil ? ` until ${formatTime(conversation.snoozedUntil)}` : ""}
          {conversation.subject ? ` · ${conversation.subject}` : ""}
        </span>
      </button>
    </li>
  );
}
