import type { ConversationView } from "../../../shared/api.ts";
import { ChannelBadge } from "../common/channel-badge.tsx";
import { conversationStatusLabel, formatTime } from "../common/format.ts";
import { PreviewLine, UnreadBadge, WaitFacts } from "./work-item-facts.tsx";

export type Props = {
  conversation: ConversationView;
  active: boolean;
  onOpen: (conversationId: string) => void;
};

export function ConversationItem({ conversation, active, onOpen }: Props) {
  return (
    <li data-testid="conversation-item" data-conversation-id={conversation.id}>
      <button
        className={`conversation-item${active ? " conversation-item--active" : ""}${conversation.unreadCount ? " conversation-item--unread" : ""}`}
        type="button"
        aria-current={active ? "true" : undefined}
        onClick={() => onOpen(conversation.id)}
      >
        <span className="conversation-item__top">
          <ChannelBadge channel={conversation.channel} />
          <span className="conversation-item__who" dir="auto" data-testid="work-item-name">
            {conversation.customer.displayName}
          </span>
          <UnreadBadge count={conversation.unreadCount} />
          <time className="conversation-item__time" dateTime={conversation.lastMessageAt}>
            {formatTime(conversation.lastMessageAt)}
          </time>
        </span>
        <PreviewLine conversation={conversation} />
        <span className="conversation-item__meta">
          {conversationStatusLabel[conversation.status]}
          {conversation.snoozedUntil ? ` until ${formatTime(conversation.snoozedUntil)}` : ""}
          {conversation.subject ? <span dir="auto"> · {conversation.subject}</span> : ""}
        </span>
        <WaitFacts conversation={conversation} />
      </button>
    </li>
  );
}
