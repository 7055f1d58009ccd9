import type { ConversationView } from "../../../shared/api.ts";
import { channelLabel } from "../../../shared/events.ts";
import { conversationStatusLabel } from "../common/format.ts";

export type Props = { conversations: ConversationView[]; agentId: string; onOpen: (conversationId: string) => void };

/** The customer's other open conversations, on every channel. */
export function OpenConversations({ conversations, agentId, onOpen }: Props) {
  return (
    <section className="customer-panel__section" aria-label="Open conversations">
      <h3>Open conversations</h3>
      {conversations.length === 0 ? (
        <p className="customer-panel__muted">None besides this one.</p>
      ) : (
        <ul className="customer-panel__list" data-testid="customer-open-conversations">
          {conversations.map((c) => (
            <li key={c.id}>
              <button className="link-button" type="button" onClick={() => onOpen(c.id)}>
                {channelLabel[c.channel]}
                {c.subject ? `: ${c.subject}` : ""}
              </button>{" "}
              <span className="customer-panel__muted">
                {c.assignedAgentId === agentId ? "yours" : conversationStatusLabel[c.status].toLowerCase()}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
