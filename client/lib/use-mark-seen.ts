// While the agent has a conversation open and the page is visible, the customer's messages count as
// read: its unread count in the work list clears, and on chat the visitor's widget shows "Seen".
import { useEffect } from "react";
import type { MessageView } from "../../shared/api.ts";
import { agentSocket } from "./socket.ts";

export function useMarkSeen(conversationId: string, messages: MessageView[]): void {
  const unread = messages.filter((m) => m.conversationId === conversationId && m.direction === "inbound" && !m.readAt).length;
  useEffect(() => {
    if (unread === 0) return;
    const mark = () => {
      const socket = agentSocket();
      if (document.visibilityState === "visible" && socket.connected) socket.emit("conversation:seen", { conversationId });
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [conversationId, unread]);
}
