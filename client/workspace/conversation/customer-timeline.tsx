import type { MessageView } from "../../../shared/api.ts";
import type { TimelineFilter } from "../../lib/timeline-filter.ts";
import type { Timeline } from "../../lib/use-timeline.ts";
import { MessageItem } from "./message-item.tsx";
import { TimelineChips } from "./timeline-chips.tsx";
import { useTimelineScroll } from "./use-timeline-scroll.ts";

export type Props = {
  messages: MessageView[];
  status: Timeline["status"];
  error: string | null;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  /** Messages of other conversations are marked, since the timeline spans them all. */
  currentConversationId: string;
  agentId: string;
  /** The customer's email addresses (lower case), to flag mail from anyone else. */
  customerEmails: string[];
  /** Which items are shown; changing it loads the first page again with the new filter. */
  filter: TimelineFilter;
  onFilterChange: (filter: TimelineFilter) => void;
};

export function CustomerTimeline(props: Props) {
  const { messages, status, error, hasOlder, loadingOlder, onLoadOlder, currentConversationId, agentId, customerEmails, filter, onFilterChange } = props;
  const filtered = filter.channel.length > 0 || filter.kind.length > 0;
  const { ref, onScroll } = useTimelineScroll({ messages, hasOlder, loadingOlder, onLoadOlder, agentId });

  return (
    <>
    <TimelineChips filter={filter} onChange={onFilterChange} />
    <div className="timeline" ref={ref} onScroll={onScroll} data-testid="timeline" aria-busy={status === "loading"}>
      <div className="timeline__edge">
        {loadingOlder
          ? "Loading earlier messages…"
          : hasOlder
            ? "Scroll up for earlier messages"
            : status === "ready"
              ? filtered
                ? "Start of this customer's history (filtered)"
                : "Start of this customer's history"
              : null}
      </div>
      {status === "loading" && messages.length === 0 && <p className="timeline__state">Loading history…</p>}
      {error && (
        <p className="timeline__state timeline__state--error" role="alert">
          {error}
        </p>
      )}
      {status === "ready" && messages.length === 0 && <p className="timeline__state">{filtered ? "Nothing of this kind yet." : "No messages yet."}</p>}
      <ol className="timeline__list">
        {messages.map((message) => (
          <MessageItem
            key={message.id}
            message={message}
            otherConversation={message.conversationId !== currentConversationId}
            customerEmails={customerEmails}
          />
        ))}
      </ol>
    </div>
    </>
  );
}
