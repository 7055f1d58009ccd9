import type { ConversationView, WrapUpBody } from "../../../shared/api.ts";
import type { SoftphoneControls } from "../../lib/use-softphone.ts";
import { ActiveCall } from "./active-call.tsx";
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
};

type Mode = "ringing" | "in-call" | "wrap-up";

function callerLabel(conversation: ConversationView | null, incomingFrom: string | null): string {
  const name = conversation?.customer.displayName ?? null;
  const number = incomingFrom ?? conversation?.customerAddress ?? null;
  if (name && number) return `${name} · ${number}`;
  return name ?? number ?? "Unknown caller";
}

/** The call across the top of the workspace, whichever conversation is open: ringing, in progress, then wrap-up. */
export function CallBar({ softphone, conversation, wrapUpDue, wrapUpTimeUp, onFinishWrapUp, onDismissWrapUp }: Props) {
  const mode: Mode | null =
    softphone.status === "ringing" ? "ringing" : softphone.status === "in-call" ? "in-call" : wrapUpDue ? "wrap-up" : null;
  if (!mode) return null;
  const caller = callerLabel(conversation, softphone.incomingFrom);

  return (
    <section className={`call-bar call-bar--${mode}`} aria-label="Call" data-testid="call-bar" data-status={mode}>
      {mode === "ringing" && (
        <RingingCall caller={caller} error={softphone.error} onAnswer={softphone.answer} onDecline={softphone.reject} />
      )}
      {mode === "in-call" && (
        <ActiveCall
          caller={caller}
          answeredAt={softphone.answeredAt ?? Date.now()}
          muted={softphone.muted}
          onToggleMute={softphone.toggleMute}
          onHangUp={softphone.hangUp}
        />
      )}
      {mode === "wrap-up" && <WrapUpForm caller={caller} timeUp={wrapUpTimeUp} onFinish={onFinishWrapUp} onDismiss={onDismissWrapUp} />}
      {mode !== "wrap-up" && softphone.error && (
        <p className="inline-error call-bar__error" role="alert">
          {softphone.error}
        </p>
      )}
    </section>
  );
}
