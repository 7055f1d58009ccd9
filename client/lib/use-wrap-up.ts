// After an answered call the agent wraps up: a disposition and a note, then available again.
import { useCallback, useState } from "react";
import type { ConversationView, WrapUpBody } from "../../shared/api.ts";
import type { Presence } from "../../shared/domain.ts";
import { ApiError, api } from "./api.ts";
import type { SoftphoneState } from "./softphone.ts";

export interface WrapUp {
  /** Whether the wrap-up form is due now. */
  due: boolean;
  /** The server's wrap-up time ran out (the agent is available again) but the disposition can still be recorded. */
  timeUp: boolean;
  /** Records the disposition and note and resolves the call's conversation; throws the ApiError. */
  finish(body: WrapUpBody): Promise<ConversationView>;
  /** Closes the form without recording anything; the server's wrap-up time still runs out by itself. */
  dismiss(): void;
}

type Options = {
  presence: Presence;
  endedCall: SoftphoneState["endedCall"];
  /** The conversation of the call; null when there is none to wrap up. */
  conversationId: string | null;
};

/**
 * Due once an answered call ends here (a moment before the server's agent:updated says `wrap_up`) until
 * the agent finishes or dismisses it, even past the server's wrap-up time, so a half-typed note is not
 * lost; and, after a reload, while the server says `wrap_up`.
 */
export function useWrapUp({ presence, endedCall, conversationId }: Options): WrapUp {
  /** The call last finished or dismissed. */
  const [closedCall, setClosedCall] = useState<Options["endedCall"]>(null);
  /** The call after which the server ended wrap-up by itself. */
  const [timedOutCall, setTimedOutCall] = useState<Options["endedCall"]>(null);
  // After finishing, presence still reads wrap_up until the server's agent:updated: do not reopen meanwhile.
  const [presenceClosed, setPresenceClosed] = useState(false);
  const [seenPresence, setSeenPresence] = useState(presence);
  if (presence !== seenPresence) {
    setSeenPresence(presence);
    setPresenceClosed(false);
    if (seenPresence === "wrap_up") setTimedOutCall(endedCall);
  }

  const callJustEnded = endedCall !== null && endedCall.answered && endedCall !== closedCall;
  const due = conversationId !== null && (callJustEnded || (presence === "wrap_up" && !presenceClosed));
  const timeUp = due && presence !== "wrap_up" && endedCall !== null && endedCall === timedOutCall;

  const dismiss = useCallback(() => {
    setClosedCall(endedCall);
    setPresenceClosed(true);
  }, [endedCall]);

  const finish = useCallback(
    async (body: WrapUpBody) => {
      if (!conversationId) throw new ApiError("NOT_FOUND", "There is no call to wrap up.", 0);
      const { conversation } = await api.wrapUp(conversationId, body);
      dismiss();
      return conversation;
    },
    [conversationId, dismiss],
  );

  return { due, timeUp, finish, dismiss };
}
