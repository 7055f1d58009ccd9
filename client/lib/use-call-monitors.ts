// Who listens, whispers or barges on a call: read once, kept live by the server's call:monitoring
// event, and read again after a reconnect (an event may have been missed meanwhile).
import { useCallback, useEffect, useState } from "react";
import type { MonitorView } from "../../shared/call-monitor.ts";
import { callMonitorApi } from "./call-monitor-api.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface CallMonitors {
  monitors: MonitorView[];
  /** An answer of the server (after a monitor request) replaces the list at once. */
  replace(monitors: MonitorView[]): void;
}

export function useCallMonitors(conversationId: string | null): CallMonitors {
  const [state, setState] = useState<{ conversationId: string | null; monitors: MonitorView[] }>({ conversationId, monitors: [] });
  const load = useCallback(() => {
    if (!conversationId) return () => {};
    let current = true;
    callMonitorApi.monitors(conversationId).then(
      ({ monitors }) => current && setState({ conversationId, monitors }),
      // Not shown: the list is a courtesy; the controls report their own failures.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [conversationId]);
  useEffect(load, [load]);
  useSocketEvent("connect", () => void load());
  useSocketEvent("call:monitoring", (event) => {
    if (event.conversationId === conversationId) setState({ conversationId, monitors: event.monitors });
  });
  const replace = useCallback((monitors: MonitorView[]) => setState({ conversationId, monitors }), [conversationId]);
  return { monitors: state.conversationId === conversationId ? state.monitors : [], replace };
}

export const monitorModeLabel = { listen: "listening", whisper: "whispering", barge: "barged in" } as const;
