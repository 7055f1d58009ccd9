// What the server tells this agent about themselves: a call that could not be connected to them, or
// being set away after a missed call. Live only: the state it explains (presence, the call back in line)
// is what the workspace resyncs after a reconnect.
import type { AgentNotice } from "../../shared/events.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export function useAgentNotices(onNotice: (notice: AgentNotice) => void): void {
  useSocketEvent("agent:notice", onNotice);
}
