import type { MessageView } from "../../../shared/api.ts";

export type Props = { message: MessageView };

/** Delivery status of an outbound message; a failure shows the provider's code and reason. */
export function MessageStatus({ message }: Props) {
  return (
    <>
      <span className={`message-status message-status--${message.status}`} data-testid="message-status">
        {message.status}
      </span>
      {message.readAt && (
        <span className="message-status message-status--read" data-testid="message-read" title={new Date(message.readAt).toLocaleString()}>
          · read
        </span>
      )}
      {message.status === "failed" && (
        <div className="message__error" role="alert" data-testid="message-error">
          Not delivered
          {message.errorCode ? ` (${message.errorCode})` : ""}
          {message.errorMessage ? `: ${message.errorMessage}` : ""}
        </div>
      )}
    </>
  );
}
