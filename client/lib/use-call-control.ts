// What the agent does to the call in progress beyond the softphone itself: hold and resume, transfer to
// another agent (cold, or warm: consult first, then complete or cancel) or back to the queue, and hanging
// up a held call. Each goes through the server, which moves the caller's leg at Twilio; the softphone is
// told first what that does to this browser's leg.
import { useCallback, useState } from "react";
import type { CallControlBody, ConversationView } from "../../shared/api.ts";
import { ApiError, api, errorMessage } from "./api.ts";
import type { CallRedirect } from "./softphone.ts";
import type { SoftphoneControls } from "./use-softphone.ts";

export interface CallControl {
  /** A request is under way: the controls wait for it. */
  busy: boolean;
  /** The last control the server refused (not the agent on the call, Twilio refused, voice disabled). */
  error: string | null;
  /** The server's code for that refusal (CONFLICT, PROVIDER_ERROR, CHANNEL_DISABLED, …). */
  errorCode: string | null;
  toggleHold(): void;
  /** Hands the call to another agent; resolves whether it worked (the call view then ends here). */
  transfer(toAgentId: string): Promise<boolean>;
  /** Sends the caller back to the queue; resolves whether it worked. */
  requeue(): Promise<boolean>;
  /** Warm transfer: the caller is held (this browser stays on the line) while the colleague's phone rings. */
  consult(toAgentId: string): Promise<boolean>;
  /** Hands the caller to the consulted colleague, who has answered; the call then ends here. */
  completeTransfer(): Promise<boolean>;
  /** The colleague leaves the call and the caller is back on the line. */
  cancelConsult(): Promise<boolean>;
  /** Hangs up; on hold, the server hangs up the caller, who is listening to music rather than to this browser. */
  hangUp(): void;
}

const refusalOf = (failure: unknown) => ({ message: errorMessage(failure), code: failure instanceof ApiError ? failure.code : "INTERNAL" });
const CONSULT_ACTIONS = new Set<CallControlBody["action"]>(["consult", "complete_transfer", "cancel_consult", "resume"]);

type Options = {
  softphone: SoftphoneControls;
  /** The call's conversation; null when not known (the controls then explain rather than act). */
  conversationId: string | null;
  /** Told the conversation as the server now has it, so lists update at once. */
  onConversationChanged?: (conversation: ConversationView) => void;
  /** Told after a consult, complete or cancel (or resume) went through: the consultation changed. */
  onConsultChanged?: () => void;
};

export function useCallControl({ softphone, conversationId, onConversationChanged, onConsultChanged }: Options): CallControl {
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string; code: string } | null>(null);
  // A new call, or none: the last one's refusal no longer applies.
  const [seenStatus, setSeenStatus] = useState(softphone.status);
  if (softphone.status !== seenStatus) {
    setSeenStatus(softphone.status);
    if (softphone.status !== "in-call") setRefusal(null);
  }

  const { redirect, hangUp: hangUpHere, held } = softphone;
  const run = useCallback(
    async (body: CallControlBody, kind: CallRedirect | null): Promise<boolean> => {
      setBusy(true);
      setRefusal(null);
      try {
        if (!conversationId) throw new ApiError("NOT_FOUND", "This call's conversation is not known here yet. Try again in a moment.", 0);
        const send = () => api.controlCall(conversationId, body);
        const { conversation } = await (kind ? redirect(kind, send) : send());
        onConversationChanged?.(conversation);
        if (CONSULT_ACTIONS.has(body.action)) onConsultChanged?.();
        return true;
      } catch (failure) {
        setRefusal(refusalOf(failure));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [conversationId, redirect, onConversationChanged, onConsultChanged],
  );

  const toggleHold = useCallback(() => {
    void (held ? run({ action: "resume" }, "resume") : run({ action: "hold" }, "hold"));
  }, [held, run]);
  const transfer = useCallback((toAgentId: string) => run({ action: "transfer", toAgentId }, "release"), [run]);
  const requeue = useCallback(() => run({ action: "requeue" }, "release"), [run]);
  // The caller hears music meanwhile: to this softphone the call is held (Resume brings them back if the colleague never answers).
  const consult = useCallback((toAgentId: string) => run({ action: "consult", toAgentId }, "hold"), [run]);
  const completeTransfer = useCallback(() => run({ action: "complete_transfer" }, "release"), [run]);
  const cancelConsult = useCallback(() => run({ action: "cancel_consult" }, "resume"), [run]);
  const hangUp = useCallback(() => {
    if (!held) return hangUpHere();
    // Ends here whatever the server says: the caller may well have hung up already.
    void run({ action: "hangup" }, null).finally(hangUpHere);
  }, [held, hangUpHere, run]);

  return { busy, error: refusal?.message ?? null, errorCode: refusal?.code ?? null, toggleHold, transfer, requeue, consult, completeTransfer, cancelConsult, hangUp };
}
