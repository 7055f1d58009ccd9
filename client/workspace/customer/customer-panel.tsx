import type { ConversationView, CustomerView } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import { CustomerIdentities } from "./customer-identities.tsx";
import { OpenConversations } from "./open-conversations.tsx";
import { PrivacySection } from "./privacy-section.tsx";
import { RemindersSection } from "./reminders-section.tsx";
import { CustomerTags } from "./customer-tags.tsx";
import { CustomerNotes } from "./customer-notes.tsx";
import { MergeSection } from "./merge-section.tsx";
import "./customer-panel.css";

export type Props = {
  customer: CustomerView;
  /** The conversation open beside the panel (reminders and snoozes default to it). */
  conversationId: string;
  /** The customer's other open conversations, on every channel. */
  otherOpenConversations: ConversationView[];
  agent: { id: string; role: AgentRole; name: string };
  onOpenConversation: (conversationId: string) => void;
  /** Something in the panel changed the customer: reload the conversation and its customer. */
  onCustomerChanged: () => void;
};

/** The third pane: who the customer is, how to reach them, what is open or due for them, their consent. */
export function CustomerPanel({ customer, conversationId, otherOpenConversations, agent, onOpenConversation, onCustomerChanged }: Props) {
  return (
    <aside className="customer-panel" aria-label="Customer" data-testid="customer-panel" data-customer-id={customer.id}>
      <CustomerIdentities key={customer.id} customer={customer} onChanged={onCustomerChanged} />
      <CustomerTags customer={customer} onChanged={onCustomerChanged} />
      <OpenConversations conversations={otherOpenConversations} agentId={agent.id} onOpen={onOpenConversation} />
      <CustomerNotes customerId={customer.id} />
      <RemindersSection customer={customer} conversationId={conversationId} agent={agent} />
      <MergeSection customer={customer} agent={agent} onCustomerChanged={onCustomerChanged} />
      <PrivacySection customer={customer} agent={agent} onCustomerChanged={onCustomerChanged} />
    </aside>
  );
}
