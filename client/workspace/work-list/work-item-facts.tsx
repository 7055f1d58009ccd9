import type { ConversationView } from "../../../shared/api.ts";
import { formatDuration } from "../common/format.ts";
import { useNow } from "../common/use-now.ts";

const kindPrefix: Partial<Record<string, string>> = { call: "Call", voicemail: "Voicemail", note: "Note" };

/** The last message, shortened; an agent's or a note says so. */
export function PreviewLine({ conversation }: { conversation: ConversationView }) {
  const p = conversation.preview;
  if (!p) return null;
  const who = p.direction === "outbound" ? "Replied: " : "";
  const prefix = kindPrefix[p.kind];
  const text = p.body.replace(/\s+/g, " ").trim();
  return (
    <span className="work-item__preview" dir="auto" data-testid="work-item-preview">
      {prefix ? `${prefix}${text ? ": " : ""}` : who}
      {text || (prefix ? "" : "(no text)")}
    </span>
  );
}

/**
 * How long the customer has waited: in line (waitingSince) or, once assigned, since their last message
 * that nobody has answered; and when the wait breaches the queue's target.
 */
export function WaitFacts({ conversation }: { conversation: ConversationView }) {
  const now = useNow(1000);
  const waitingFrom = conversation.waitingSince ?? (conversation.preview?.direction === "inbound" ? conversation.preview.at : null);
  const due = conversation.dueAt ? Date.parse(conversation.dueAt) - now : null;
  return (
    <span className="work-item__facts">
      {conversation.queue && <span data-testid="work-item-queue">{conversation.queue.name}</span>}
      {waitingFrom && <span data-testid="work-item-waiting">waiting {formatDuration(now - Date.parse(waitingFrom))}</span>}
      {due !== null && (
        <span className={due < 0 ? "work-item__overdue" : undefined} data-testid="work-item-due">
          {due < 0 ? `overdue ${formatDuration(-due)}` : `due in ${formatDuration(due)}`}
        </span>
      )}
    </span>
  );
}

export function UnreadBadge({ count }: { count: number | undefined }) {
  if (!count) return null;
  return (
    <span className="work-item__unread" aria-label={`${count} unread`} data-testid="work-item-unread">
      {count > 99 ? "99+" : count}
    </span>
  );
}
