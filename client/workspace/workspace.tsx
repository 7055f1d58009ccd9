import { useState } from "react";
import { useOpenConversation } from "../lib/use-open-conversation.ts";
import { useAlertSettings, useAttention } from "../lib/use-attention.ts";
import type { AgentView, ChannelState, WrapUpBody } from "../../shared/api.ts";
import type { SettablePresence } from "../../shared/domain.ts";
import { errorMessage } from "../lib/api.ts";
import { useAgentNotices } from "../lib/use-agent-notices.ts";
import { useMyWork } from "../lib/use-my-work.ts";
import { useSoftphone } from "../lib/use-softphone.ts";
import { useWrapUp } from "../lib/use-wrap-up.ts";
import { CallBar } from "./call/call-bar.tsx";
import { useCallConversation } from "./call/use-call-conversation.ts";
import { ConversationView } from "./conversation/conversation-view.tsx";
import { ChannelBanner } from "./header/channel-banner.tsx";
import { WorkspaceHeader } from "./header/workspace-header.tsx";
import { WorkList } from "./work-list/work-list.tsx";

export type Props = {
  agent: AgentView;
  channels: ChannelState[];
  onSetPresence: (presence: SettablePresence, awayReasonId: string | null) => Promise<void>;
  onSignOut: () => Promise<void>;
};

export function Workspace({ agent, channels, onSetPresence, onSignOut }: Props) {
  const work = useMyWork(agent.id);
  const [openConversationId, setOpenConversationId] = useOpenConversation();
  const [notice, setNotice] = useState<string | null>(null);
  const softphone = useSoftphone();
  // Screen pop: a voice offer opens the caller's timeline as it rings.
  const call = useCallConversation({ offers: work.offers, conversations: work.conversations, onScreenPop: setOpenConversationId });
  const wrapUp = useWrapUp({ presence: agent.presence, endedCall: softphone.endedCall, conversationId: call.conversation?.id ?? null });
  const callsReady = softphone.status === "ready" || softphone.status === "ringing" || softphone.status === "in-call";
  useAgentNotices((agentNotice) => setNotice(agentNotice.message));
  const [alertSettings, setAlertSettings] = useAlertSettings();
  useAttention({ offers: work.offers, conversations: work.conversations, openConversationId, settings: alertSettings });

  async function accept(offerId: string) {
    setNotice(null);
    try {
      const conversation = await work.accept(offerId);
      // The server now dials this browser's softphone: that call is this conversation's.
      if (conversation.channel === "voice") call.take(conversation.id);
      setOpenConversationId(conversation.id);
    } catch (failure) {
      setNotice(errorMessage(failure));
    }
  }

  async function reject(offerId: string) {
    setNotice(null);
    try {
      await work.reject(offerId);
    } catch (failure) {
      setNotice(errorMessage(failure));
    }
  }

  async function callCustomer(customerId: string) {
    const conversation = await call.place(customerId);
    work.noteConversation(conversation);
    setOpenConversationId(conversation.id);
  }

  async function finishWrapUp(body: WrapUpBody) {
    work.noteConversation(await wrapUp.finish(body));
  }

  return (
    <div className="workspace">
      <WorkspaceHeader
        agent={agent}
        softphone={softphone}
        onSetPresence={onSetPresence}
        onSignOut={onSignOut}
        alerts={{ settings: alertSettings, onChange: setAlertSettings }}
        onOpenConversation={setOpenConversationId}
      />
      <ChannelBanner channels={channels} softphoneOff={softphone.status === "off"} />
      <CallBar
        softphone={softphone}
        conversation={call.conversation}
        wrapUpDue={wrapUp.due}
        wrapUpTimeUp={wrapUp.timeUp}
        onFinishWrapUp={finishWrapUp}
        onDismissWrapUp={wrapUp.dismiss}
        onConversationChanged={work.noteConversation}
      />
      <div className="workspace__body">
        <WorkList
          offers={work.offers}
          conversations={work.conversations}
          snoozed={work.snoozed}
          loadError={work.status === "error" ? work.error : null}
          notice={notice}
          openConversationId={openConversationId}
          callsReady={callsReady}
          onAccept={accept}
          onReject={reject}
          onOpen={setOpenConversationId}
          onDismissNotice={() => setNotice(null)}
        />
        <main className="workspace__main">
          {openConversationId ? (
            <ConversationView
              key={openConversationId}
              conversationId={openConversationId}
              agentId={agent.id}
              agentRole={agent.role}
              agentName={agent.name}
              onOpenConversation={setOpenConversationId}
              onConversationChanged={work.noteConversation}
              softphoneReady={softphone.status === "ready"}
              onCallCustomer={callCustomer}
            />
          ) : (
            <div className="empty-state">
              <p className="empty-state__title">No conversation open</p>
              <p>Accept an offer or pick one of your conversations on the left.</p>
            </div>
          )}
        </main>
      </div>
    </div>
  );
}
