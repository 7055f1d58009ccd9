// Keeps the /agent socket connected while signed in, including after the server refuses or drops it.
import { useEffect, useLayoutEffect, useRef } from "react";
import { agentSocket } from "./socket.ts";

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * socket.io reconnects by itself after a network drop, but not when the server refused the
 * handshake or disconnected us on purpose (e.g. a restart lost the session, or it expired).
 * Then `checkSession` decides: still signed in → connect again with back-off; signed out → stop.
 */
export function useAgentSocket(signedIn: boolean, checkSession: () => Promise<boolean>): void {
  const check = useRef(checkSession);
  useLayoutEffect(() => {
    check.current = checkSession;
  });

  useEffect(() => {
    if (!signedIn) return;
    const socket = agentSocket();
    let retryMs = RETRY_MIN_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const retryLater = async () => {
      const stillSignedIn = await check.current().catch(() => true);
      if (stopped || !stillSignedIn) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!stopped && !socket.connected) socket.connect();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
    const onConnect = () => {
      retryMs = RETRY_MIN_MS;
    };
    const onConnectError = () => {
      if (!socket.active) void retryLater();
    };
    const onDisconnect = (reason: string) => {
      if (reason === "io server disconnect") void retryLater();
    };

    socket.on("connect", onConnect);
    socket.on("connect_error", onConnectError);
    socket.on("disconnect", onDisconnect);
    socket.connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onConnectError);
      socket.off("disconnect", onDisconnect);
      socket.disconnect();
    };
  }, [signedIn]);
}
