// Where a warm transfer's consultation stands on my call: read once, kept live by the server's
// call:consult event, and read again after a reconnect or a call control (an event may have been missed).
import { useCallback, useEffect, useState } from "react";
import { CallConsultEvent, type ConsultView } from "../../shared/call-consult.ts";
import { id, request } from "./api.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export const callConsultApi = {
  consult: (conversationId: string) => request(`/api/conversations/${id(conversationId)}/consult`, { schema: CallConsultEvent }),
};

export interface CallConsult {
  consult: ConsultView | null;
  /** Reads it again (after a consult, complete or cancel this browser asked for). */
  reload(): void;
}

export function useCallConsult(conversationId: string | null): CallConsult {
  const [state, setState] = useState<{ conversationId: string | null; consult: ConsultView | null }>({ conversationId, consult: null });
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    if (!conversationId) return;
    let current = true;
    callConsultApi.consult(conversationId).then(
      ({ consult }) => current && setState({ conversationId, consult }),
      // Not shown: the controls report their own failures, and the next event corrects this.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [conversationId, asked]);
  const reload = useCallback(() => setAsked((n) => n + 1), []);
  useSocketEvent("connect", reload);
  useSocketEvent("call:consult", (event) => {
    if (event.conversationId === conversationId) setState({ conversationId, consult: event.consult });
  });
  return { consult: state.conversationId === conversationId ? state.consult : null, reload };
}

/** The consultation's state, as the call bar says it. */
export const consultStateLabel: Record<ConsultView["state"], string> = {
  ringing: "ringing…",
  talking: "on the line with you",
  unanswered: "did not answer",
  hung_up: "hung up",
};
