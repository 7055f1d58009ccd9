// Whether the live connection to the server is up; the workspace says "reconnecting" when not.
import { useSyncExternalStore } from "react";
import { agentSocket } from "./socket.ts";

export type ConnectionState = "connected" | "reconnecting";

function subscribe(onChange: () => void): () => void {
  const socket = agentSocket();
  socket.on("connect", onChange);
  socket.on("disconnect", onChange);
  socket.on("connect_error", onChange);
  return () => {
    socket.off("connect", onChange);
    socket.off("disconnect", onChange);
    socket.off("connect_error", onChange);
  };
}

function snapshot(): ConnectionState {
  return agentSocket().connected ? "connected" : "reconnecting";
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(subscribe, snapshot, () => "reconnecting");
}
