import { useCustomerViewers } from "../../lib/use-customer-viewers.ts";
import type { ConversationView as Conversation } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import { useConversation } from "../../lib/use-conversation.ts";
import { useTimeline } from "../../lib/use-timeline.ts";
import { useTyping } from "../../lib/use-typing.ts";
import { useMarkSeen } from "../../lib/use-mark-seen.ts";
import { firstName } from "../../../shared/template-variables.ts";
import { Composer } from "./composer.tsx";
import { ClaimedIdentityNotice } from "./claimed-identity-notice.tsx";
import { ConversationHeader } from "./conversation-header.tsx";
import { CustomerTimeline } from "./customer-timeline.tsx";
import { OtherConversationsNotice } from "./other-conversations-notice.tsx";
import { CustomerPanel } from "../customer/customer-panel.tsx";

export type Props = {
  conversationId: string;
  agentId: string;
  agentRole: AgentRole;
  /** The signed-in agent's name, for canned replies' {{agent.name}}. */
  agentName: string;
  onOpenConversation: (conversationId: string) => void;
  /** Told when this view changed the conversation (resolved it), so lists update at once. */
  onConversationChanged: (conversation: Conversation) => void;
  /** The softphone can take a call now: click-to-call is offered. */
  softphoneReady: boolean;
  /** Click-to-call: rings the customer, then this softphone; throws the ApiError. */
  onCallCustomer: (customerId: string) => Promise<void>;
};

/** One conversation, shown with the customer's whole history across every conversation and channel. */
export function ConversationView({ conversationId, agentId, agentRole, agentName, onOpenConversation, onConversationChanged, softphoneReady, onCallCustomer }: Props) {
  const { data, status, error, resolve, moveToQueue, reload } = useConversation(conversationId);
  const resolveAndTell = async () => onConversationChanged(await resolve());
  const moveAndTell = async (queueId: string) => onConversationChanged(await moveToQueue(queueId));
  const timeline = useTimeline(data?.customer.id ?? null);
  const viewers = useCustomerViewers(data?.customer.id ?? null, agentId);
  // The newest message on screen: a colleague's answer after it makes the composer ask first.
  const seenAt = timeline.messages.reduce<string | undefined>((latest, m) => (!latest || m.createdAt > latest ? m.createdAt : latest), undefined);
  const typing = useTyping(conversationId, agentId);
  useMarkSeen(conversationId, timeline.messages);

  if (!data) {
    return (
      <section className="conversation conversation--placeholder" data-testid="conversation-view" data-conversation-id={conversationId}>
        <p role={status === "error" ? "alert" : "status"}>{status === "error" ? error : "Loading conversation…"}</p>
      </section>
    );
  }

  return (
    <>
    <section className="conversation" data-testid="conversation-view" data-conversation-id={conversationId}>
      <ConversationHeader
        conversation={data.conversation}
        customer={data.customer}
        softphoneReady={softphoneReady}
        onResolve={resolveAndTell}
        agent={{ id: agentId, role: agentRole }}
        onMoveToQueue={moveAndTell}
        onConversationChanged={onConversationChanged}
        onCallCustomer={() => onCallCustomer(data.customer.id)}
        onEmailStarted={(started) => {
          onConversationChanged(started);
          onOpenConversation(started.id);
        }}
      />
      {viewers.length > 0 && (
        <p className="viewers-notice" role="status" data-testid="customer-viewers">
          Also looking at this customer: {viewers.map((v) => v.name).join(", ")}
        </p>
      )}
      <ClaimedIdentityNotice claimed={data.claimed} matches={data.suggestedMatches} customerId={data.customer.id} onMerged={reload} />
      <OtherConversationsNotice conversations={data.otherOpenConversations} agentId={agentId} onOpen={onOpenConversation} />
      <CustomerTimeline
        messages={timeline.messages}
        status={timeline.status}
        error={timeline.error}
        hasOlder={timeline.hasOlder}
        loadingOlder={timeline.loadingOlder}
        onLoadOlder={timeline.loadOlder}
        currentConversationId={conversationId}
        agentId={agentId}
        customerEmails={data.customer.identities.filter((i) => i.kind === "email").map((i) => i.value.toLowerCase())}
        filter={timeline.filter}
        onFilterChange={timeline.setFilter}
      />
      {agentRole === "agent" && data.conversation.assignedAgentId !== agentId && data.conversation.status !== "resolved" ? (
        // The role table: replying belongs to the assigned agent (or a supervisor). Reading, and notes, stay open to all.
        <>
          <p className="composer composer--note" data-testid="not-mine-composer-note">
            {data.conversation.assignedAgentId ? "Another agent has this conversation" : "This conversation waits in its queue"}: you can read it and
            leave a note; only its agent or a supervisor can reply.
          </p>
          <Composer conversationId={conversationId} channel={data.conversation.channel} onSent={timeline.merge} typing={typing} noteOnly />
        </>
      ) : data.conversation.channel === "voice" ? (
        <>
          <p className="composer composer--note" data-testid="voice-composer-note">
            This is a call: talk on the call bar above. To write to this customer, open or start their SMS conversation.
          </p>
          <Composer conversationId={conversationId} channel={data.conversation.channel} onSent={timeline.merge} typing={typing} noteOnly />
        </>
      ) : (
        <Composer
          conversationId={conversationId}
          channel={data.conversation.channel}
          onSent={timeline.merge}
          typing={typing}
          seenAt={seenAt}
          emailReply={data.conversation.channel === "email" ? { to: data.conversation.customerAddress, subject: data.conversation.subject } : undefined}
          templateValues={{
            "customer.name": data.customer.displayName,
            "customer.firstName": firstName(data.customer.displayName),
            "agent.name": agentName,
            "agent.firstName": firstName(agentName),
            "conversation.reference": data.conversation.reference,
          }}
        />
      )}
    </section>
    <CustomerPanel
      customer={data.customer}
      conversationId={conversationId}
      otherOpenConversations={data.otherOpenConversations}
      agent={{ id: agentId, role: agentRole, name: agentName }}
      onOpenConversation={onOpenConversation}
      onCustomerChanged={reload}
    />
    </>
  );
}
