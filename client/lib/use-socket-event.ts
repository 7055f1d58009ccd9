// Subscribes a hook to one event of the shared /agent socket, always calling the latest handler.
import { useEffect, useLayoutEffect, useRef } from "react";
import type { Socket } from "socket.io-client";
import type { AgentServerToClient } from "../../shared/events.ts";
import { agentSocket } from "./socket.ts";

/** The server's events plus the socket's own lifecycle events that hooks resync on. */
export type AgentListenEvents = AgentServerToClient & {
  connect: () => void;
  disconnect: (reason: Socket.DisconnectReason) => void;
  connect_error: (error: Error) => void;
};

type AnyListener = (...args: unknown[]) => void;
interface LooseEmitter {
  on(event: string, listener: AnyListener): unknown;
  off(event: string, listener: AnyListener): unknown;
}

export function useSocketEvent<E extends keyof AgentListenEvents>(event: E, handler: AgentListenEvents[E]): void {
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    // socket.io's listener types do not survive a generic event name; the public signature above keeps callers typed.
    const socket = agentSocket() as unknown as LooseEmitter;
    const listener: AnyListener = (...args) => (latest.current as AnyListener)(...args);
    socket.on(event, listener);
    return () => {
      socket.off(event, listener);
    };
  }, [event]);
}
