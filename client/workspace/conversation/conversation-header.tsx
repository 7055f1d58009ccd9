import { customerName, displayAddress } from "../customer/customer-name.ts";
import { useState } from "react";
import type { ConversationView, CustomerView } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { ClickToCall } from "../call/click-to-call.tsx";
import { MonitorControls } from "../call/monitor-controls.tsx";
import { ChannelBadge } from "../common/channel-badge.tsx";
import { conversationStatusLabel, tierLabel } from "../common/format.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import { MoveToQueue, QueueFacts } from "./queue-facts.tsx";
import { NewEmail } from "./new-email.tsx";
import { SnoozeMenu } from "./snooze-menu.tsx";

export type Props = {
  conversation: ConversationView;
  customer: CustomerView;
  /** The softphone can take a call now. */
  softphoneReady: boolean;
  onResolve: () => Promise<void>;
  /** Who is looking: the move control is offered only where they may move it. */
  agent: { id: string; role: AgentRole };
  onMoveToQueue: (queueId: string) => Promise<unknown>;
  /** Rings the customer, then this softphone; throws the ApiError. */
  onCallCustomer: () => Promise<void>;
  /** A new email thread was started with the customer: open it. */
  onEmailStarted: (conversation: ConversationView) => void;
  /** Told when the header changed the conversation (snoozed or woke it), so lists update at once. */
  onConversationChanged?: (conversation: ConversationView) => void;
};

export function ConversationHeader({ conversation, customer, softphoneReady, onResolve, agent, onMoveToQueue, onCallCustomer, onEmailStarted, onConversationChanged }: Props) {
  const [resolving, setResolving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const resolved = conversation.status === "resolved";
  // A caller who hung up while waiting: nobody resolved anything, somebody should call them back.
  const missedCall = conversation.outcome === "missed_call";
  const hasPhone = customer.identities.some((identity) => identity.kind === "phone");

  async function resolve() {
    setResolving(true);
    setError(null);
    try {
      await onResolve();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setResolving(false);
    }
  }

  // A supervisor or admin on someone else's call may listen, whisper or barge (the server checks it is in progress).
  const mayMonitor = agent.role !== "agent" && conversation.channel === "voice" && conversation.status === "assigned" && conversation.assignedAgentId !== agent.id;

  return (
    <>
      <header className="conversation-header">
        <div className="conversation-header__who">
          <h1 className="conversation-header__name" dir="auto">{customerName(customer)}</h1>
          <div className="conversation-header__facts">
            {customer.displayName && conversation.channel !== "chat" && (
              <span className="conversation-header__address" dir="auto">{displayAddress(conversation.customerAddress)}</span>
            )}
            <span className={`tier tier--${customer.tier}`}>{tierLabel[customer.tier]}</span>
            <ChannelBadge channel={conversation.channel} />
            <span className={`status-pill status-pill--${missedCall ? "missed" : conversation.status}`} data-testid="conversation-status">
              {missedCall ? "Missed call" : conversationStatusLabel[conversation.status]}
            </span>
            <QueueFacts conversation={conversation} />
            {conversation.subject && <span className="conversation-header__subject" dir="auto">{conversation.subject}</span>}
          </div>
        </div>
        <div className="conversation-header__actions">
          <MoveToQueue conversation={conversation} agent={agent} onMove={onMoveToQueue} />
          <SnoozeMenu conversation={conversation} agent={agent} onChanged={onConversationChanged} />
          {hasPhone && softphoneReady && <ClickToCall onCall={onCallCustomer} label={missedCall ? "Call back" : "Call"} />}
          <NewEmail customerId={customer.id} addresses={customer.identities.filter((i) => i.kind === "email").map((i) => i.value)} onStarted={onEmailStarted} />
          {error && (
            <span className="inline-error" role="alert">
              {error}
            </span>
          )}
          {!missedCall && (agent.role !== "agent" || conversation.assignedAgentId === agent.id || resolved) && (
            <button
              className="button"
              type="button"
              onClick={resolve}
              disabled={resolved || resolving}
              data-testid="resolve-button"
            >
              {resolved ? (conversation.channel === "chat" ? "Chat ended" : "Resolved") : resolving ? "Resolving…" : conversation.channel === "chat" ? "End chat" : "Resolve"}
            </button>
          )}
        </div>
      </header>
      {mayMonitor && (
        <div className="monitor-bar">
          <span className="monitor-bar__label">Monitor this call</span>
          <MonitorControls conversationId={conversation.id} selfId={agent.id} />
        </div>
      )}
    </>
  );
}
