import type { MessageView } from "../../../shared/api.ts";
import type { MessageKind } from "../../../shared/domain.ts";
import { ChannelBadge } from "../common/channel-badge.tsx";
import { formatFullTime, formatTime } from "../common/format.ts";
import { EmailMessage } from "./email-message.tsx";
import { MessageMedia } from "./message-media.tsx";
import { MessageStatus } from "./message-status.tsx";

export type Props = {
  message: MessageView;
  /** Part of another conversation of this customer. */
  otherConversation: boolean;
  /** The customer's email addresses (lower case), to flag mail from anyone else. */
  customerEmails?: string[];
};

const kindLabel: Partial<Record<MessageKind, string>> = { call: "Call", voicemail: "Voicemail", email: "Email", note: "Internal note" };

export function MessageItem({ message, otherConversation, customerEmails = [] }: Props) {
  const attributes = {
    "data-testid": "message-item",
    "data-message-id": message.id,
    "data-direction": message.direction,
    "data-status": message.status,
    "data-channel": message.channel,
    "data-kind": message.kind,
  };
  const time = (
    <time className="message__time" dateTime={message.createdAt} title={formatFullTime(message.createdAt)}>
      {formatTime(message.createdAt)}
    </time>
  );

  if (message.kind === "event") {
    return (
      <li className="message message--event" {...attributes}>
        <span dir="auto" data-testid="message-body">{message.body}</span> · {time}
      </li>
    );
  }

  const side = message.kind === "note" ? "note" : message.direction;
  const label = kindLabel[message.kind];
  const email = message.kind === "email" ? message.email : undefined;
  return (
    <li className={`message message--${side}${email ? " message--email" : ""}${otherConversation ? " message--other" : ""}`} {...attributes}>
      <div className="message__bubble">
        <div className="message__meta">
          <ChannelBadge channel={message.channel} />
          {label && <span className="message__kind">{label}</span>}
          {message.direction !== "inbound" && message.authorName && (
            <span className="message__author" dir="auto">{message.authorName}</span>
          )}
        </div>
        {email ? (
          <EmailMessage message={message} email={email} customerEmails={customerEmails} />
        ) : (
          <>
            <div className="message__body" dir="auto" data-testid="message-body">
              {message.body}
            </div>
            <MessageMedia media={message.media} />
          </>
        )}
        <div className="message__footer">
          {time}
          {message.direction === "outbound" && <MessageStatus message={message} />}
        </div>
      </div>
    </li>
  );
}
