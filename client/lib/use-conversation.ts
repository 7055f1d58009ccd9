// One conversation with its customer and the customer's other open conversations, kept current.
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConversationResponse, ConversationView } from "../../shared/api.ts";
import { api, errorMessage } from "./api.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface ConversationState {
  data: ConversationResponse | null;
  status: "loading" | "ready" | "error";
  error: string | null;
  /** Resolves the conversation and returns it as now stored; throws the ApiError. */
  resolve(): Promise<ConversationView>;
  /** Hands it to another queue and returns it as now stored; throws the ApiError. */
  moveToQueue(queueId: string): Promise<ConversationView>;
  /** Reads the conversation and its customer again (after the customer was edited, merged, erased). */
  reload(): void;
}

function withUpdate(data: ConversationResponse, updated: ConversationView): ConversationResponse {
  if (updated.id === data.conversation.id) return { ...data, conversation: updated };
  if (updated.customer.id !== data.customer.id) return data;
  const others = data.otherOpenConversations.filter((other) => other.id !== updated.id);
  if (updated.status !== "resolved") others.push(updated);
  return { ...data, otherOpenConversations: others };
}

export function useConversation(conversationId: string): ConversationState {
  const [data, setData] = useState<ConversationResponse | null>(null);
  const [status, setStatus] = useState<ConversationState["status"]>("loading");
  const [error, setError] = useState<string | null>(null);
  const latestRequest = useRef(0);

  const load = useCallback(async () => {
    const request = ++latestRequest.current;
    try {
      const response = await api.conversation(conversationId);
      if (request !== latestRequest.current) return;
      setData(response);
      setStatus("ready");
      setError(null);
    } catch (failure) {
      if (request !== latestRequest.current) return;
      setStatus((current) => (current === "ready" ? current : "error"));
      setError(errorMessage(failure));
    }
  }, [conversationId]);

  useEffect(() => {
    setData(null);
    setStatus("loading");
    setError(null);
    void load();
  }, [load]);

  // Whatever changed while the connection was down (status, assignment, other conversations) is reloaded.
  useSocketEvent("connect", () => void load());
  // A colleague renamed, tagged or re-tiered the customer: the header and panel read it again.
  const customerId = data?.customer.id;
  useSocketEvent("customer:updated", (event) => {
    if (event.customerId === customerId) void load();
  });
  // Its customer was merged (or the merge undone): the conversation may now belong to another customer.
  useSocketEvent("customer:merged", (event) => {
    if (customerId === event.sourceId || customerId === event.targetId) void load();
  });
  useSocketEvent("conversation:updated", (updated) => {
    setData((current) => (current ? withUpdate(current, updated) : current));
  });

  const resolve = useCallback(async () => {
    const { conversation } = await api.resolveConversation(conversationId);
    setData((current) => (current ? withUpdate(current, conversation) : current));
    return conversation;
  }, [conversationId]);

  const moveToQueue = useCallback(async (queueId: string) => {
    const { conversation } = await api.moveToQueue(conversationId, queueId);
    setData((current) => (current ? withUpdate(current, conversation) : current));
    return conversation;
  }, [conversationId]);

  const reload = useCallback(() => void load(), [load]);

  return { data, status, error, resolve, moveToQueue, reload };
}
