// Who else is typing in a conversation (the customer on chat, other agents anywhere), and announcing
// that I am: so nobody answers twice, and a chat visitor sees a reply coming.
import { useCallback, useEffect, useRef, useState } from "react";
import { agentSocket } from "./socket.ts";
import { useSocketEvent } from "./use-socket-event.ts";

const SHOW_FOR_MS = 6_000;
const ANNOUNCE_EVERY_MS = 2_000;
const IDLE_AFTER_MS = 3_000;

export interface Typing {
  /** Names of who is typing now, e.g. ["Customer"] or ["Blake Agent"]. */
  typers: string[];
  /** Call on every keystroke of my reply. */
  announce(): void;
  /** Call when my reply was sent. */
  stop(): void;
}

export function useTyping(conversationId: string, agentId: string): Typing {
  const [typers, setTypers] = useState<Map<string, number>>(new Map());
  const lastAnnounced = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useSocketEvent("conversation:typing", (event) => {
    if (event.conversationId !== conversationId || (event.who === "agent" && event.agentId === agentId)) return;
    const name = event.who === "customer" ? "Customer" : (event.name ?? "Another agent");
    setTypers((current) => {
      const next = new Map(current);
      if (event.typing) next.set(name, Date.now() + SHOW_FOR_MS);
      else next.delete(name);
      return next;
    });
  });

  // A typing event that is never followed by "stopped" (a closed tab) fades out by itself.
  useEffect(() => {
    if (typers.size === 0) return;
    const timer = setInterval(() => {
      setTypers((current) => new Map([...current].filter(([, until]) => until > Date.now())));
    }, 1000);
    return () => clearInterval(timer);
  }, [typers.size]);

  useEffect(() => setTypers(new Map()), [conversationId]);

  const emit = useCallback((typing: boolean) => {
    const socket = agentSocket();
    if (socket.connected) socket.emit("conversation:typing", { conversationId, typing });
  }, [conversationId]);

  const stop = useCallback(() => {
    clearTimeout(idleTimer.current);
    if (lastAnnounced.current !== 0) emit(false);
    lastAnnounced.current = 0;
  }, [emit]);

  const announce = useCallback(() => {
    const now = Date.now();
    if (now - lastAnnounced.current > ANNOUNCE_EVERY_MS) {
      lastAnnounced.current = now;
      emit(true);
    }
    clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stop, IDLE_AFTER_MS);
  }, [emit, stop]);

  useEffect(() => () => clearTimeout(idleTimer.current), []);
  return { typers: [...typers.keys()], announce, stop };
}
