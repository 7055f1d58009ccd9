import { displayAddress } from "../customer/customer-name.ts";
import type { ConversationView, WrapUpBody } from "../../../shared/api.ts";
import { useCallConsult } from "../../lib/use-call-consult.ts";
import { useCallControl } from "../../lib/use-call-control.ts";
import type { SoftphoneControls } from "../../lib/use-softphone.ts";
import { ActiveCall } from "./active-call.tsx";
import { MonitoredNotice } from "./monitored-notice.tsx";
import { RingingCall } from "./ringing-call.tsx";
import { WrapUpForm } from "./wrap-up-form.tsx";

export type Props = {
  softphone: SoftphoneControls;
  /** The call's conversation, when known: its customer names the caller. */
  conversation: ConversationView | null;
  wrapUpDue: boolean;
  wrapUpTimeUp: boolean;
  onFinishWrapUp: (body: WrapUpBody) => Promise<void>;
  onDismissWrapUp: () => void;
  /** Told the call's conversation as the server has it after a hold, transfer or requeue. */
  onConversationChanged?: (conversation: ConversationView) => void;
};

type Mode = "ringing" | "in-call" | "wrap-up";

function callerLabel(conversation: ConversationView | null, incomingFrom: string | null): string {
  const name = conversation?.customer.displayName ?? null;
  const raw = incomingFrom ?? conversation?.customerAddress ?? null;
  const number = raw ? displayAddress(raw) : null;
  if (name && number && name !== number) return `${name} · ${number}`;
  return name ?? number ?? "Unknown caller";
}

/** The call across the top of the workspace, whichever conversation is open: ringing, in progress, then wrap-up. */
export function CallBar({ softphone, conversation, wrapUpDue, wrapUpTimeUp, onFinishWrapUp, onDismissWrapUp, onConversationChanged }: Props) {
  const { consult, reload: reloadConsult } = useCallConsult(conversation?.id ?? null);
  const control = useCallControl({ softphone, conversationId: conversation?.id ?? null, onConversationChanged, onConsultChanged: reloadConsult });
  const mode: Mode | null =
    softphone.status === "ringing" ? "ringing" : softphone.status === "in-call" ? "in-call" : wrapUpDue ? "wrap-up" : null;
  if (!mode) return null;
  const caller = callerLabel(conversation, softphone.incomingFrom);
  const error = mode === "in-call" ? (control.error ?? softphone.error) : softphone.error;
  const errorCode = mode === "in-call" && control.error ? control.errorCode : null;

  return (
    <section className={`call-bar call-bar--${mode}${mode === "in-call" && softphone.held ? " call-bar--held" : ""}`} aria-label="Call" data-testid="call-bar" data-status={mode} data-consult={consult?.state ?? "none"}>
      {mode === "ringing" && (
        <RingingCall caller={caller} error={softphone.error} onAnswer={softphone.answer} onDecline={softphone.reject} />
      )}
      {mode === "in-call" && (
        <ActiveCall
          caller={caller}
          answeredAt={softphone.answeredAt ?? Date.now()}
          muted={softphone.muted}
          held={softphone.held}
          busy={control.busy}
          onToggleMute={softphone.toggleMute}
          onToggleHold={control.toggleHold}
          onTransfer={control.transfer}
          onRequeue={control.requeue}
          consult={consult}
          onConsult={control.consult}
          onCompleteTransfer={control.completeTransfer}
          onCancelConsult={control.cancelConsult}
          onHangUp={control.hangUp}
        />
      )}
      {mode === "in-call" && <MonitoredNotice conversationId={conversation?.id ?? null} />}
      {mode === "wrap-up" && <WrapUpForm caller={caller} timeUp={wrapUpTimeUp} onFinish={onFinishWrapUp} onDismiss={onDismissWrapUp} />}
      {mode !== "wrap-up" && error && (
        <p className="inline-error call-bar__error" role="alert" data-testid="call-error" data-code={errorCode ?? undefined}>
          {error}
          {errorCode && <span className="call-bar__error-code"> ({errorCode})</span>}
        </p>
      )}
    </section>
  );
}
