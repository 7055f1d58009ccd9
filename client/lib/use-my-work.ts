// The agent's live work: pending offers and open assigned conversations.
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConversationView, MessageView, MyWorkResponse, OfferView } from "../../shared/api.ts";
import { ApiError, api, errorMessage } from "./api.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface MyWork {
  /** Pending offers, soonest to expire first. */
  offers: OfferView[];
  /** My open conversations, most recently active first. */
  conversations: ConversationView[];
  /** My snoozed conversations, waking soonest first. */
  snoozed: ConversationView[];
  status: "loading" | "ready" | "error";
  error: string | null;
  /** Accepts an offer and returns the conversation now assigned to me. Throws the ApiError (409 CONFLICT when too late). */
  accept(offerId: string): Promise<ConversationView>;
  reject(offerId: string): Promise<void>;
  /** Takes in a conversation this page got from a REST answer (e.g. after resolving it) without waiting for its live event. */
  noteConversation(conversation: ConversationView): void;
}

type WorkEvent =
  | { type: "offer:new"; offer: OfferView }
  | { type: "offer:closed"; offerId: string }
  | { type: "conversation:updated"; conversation: ConversationView }
  | { type: "message"; message: MessageView; unreadDelta: number };

function isMine(conversation: ConversationView, agentId: string): boolean {
  return conversation.assignedAgentId === agentId && conversation.status !== "resolved";
}

function sortWork(work: MyWorkResponse): MyWorkResponse {
  return {
    offers: [...work.offers].sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt)),
    conversations: [...work.conversations].sort((a, b) => Date.parse(b.lastMessageAt) - Date.parse(a.lastMessageAt)),
    snoozed: [...work.snoozed].sort((a, b) => Date.parse(a.snoozedUntil ?? "") - Date.parse(b.snoozedUntil ?? "")),
  };
}

function applyEvent(work: MyWorkResponse, event: WorkEvent, agentId: string): MyWorkResponse {
  switch (event.type) {
    case "offer:new": {
      const offers = work.offers.filter((offer) => offer.id !== event.offer.id);
      if (event.offer.status === "pending" && event.offer.agentId === agentId) offers.push(event.offer);
      return sortWork({ ...work, offers });
    }
    case "offer:closed":
      return { ...work, offers: work.offers.filter((offer) => offer.id !== event.offerId) };
    case "message": {
      const m = event.message;
      const touch = (c: ConversationView): ConversationView => {
        if (c.id !== m.conversationId) return c;
        const preview = m.kind === "event" || (c.preview && c.preview.at > m.createdAt) ? c.preview : { body: m.body.slice(0, 160), direction: m.direction, kind: m.kind, at: m.createdAt };
        return { ...c, preview, unreadCount: Math.max(0, (c.unreadCount ?? 0) + event.unreadDelta) };
      };
      return { offers: work.offers.map((o) => ({ ...o, conversation: touch(o.conversation) })), conversations: work.conversations.map(touch), snoozed: work.snoozed.map(touch) };
    }
    case "conversation:updated": {
      // A live update carries no list extras: the preview and unread count stay as this list knows them.
      const known = [...work.conversations, ...work.snoozed, ...work.offers.map((o) => o.conversation)].find((c) => c.id === event.conversation.id);
      const updated = { ...event.conversation, preview: event.conversation.preview ?? known?.preview ?? null, unreadCount: event.conversation.unreadCount ?? known?.unreadCount ?? 0 };
      const conversations = work.conversations.filter((conversation) => conversation.id !== updated.id);
      const snoozed = work.snoozed.filter((conversation) => conversation.id !== updated.id);
      if (isMine(updated, agentId)) (updated.status === "snoozed" ? snoozed : conversations).push(updated);
      const offers = work.offers.map((offer) => (offer.conversation.id === updated.id ? { ...offer, conversation: updated } : offer));
      return sortWork({ offers, conversations, snoozed });
    }
  }
}

/**
 * Loads a full snapshot at start and on every socket (re)connect, then follows live events.
 * Events that arrive while a snapshot is in flight are replayed on top of it, since the
 * snapshot may have been read before they happened.
 */
export function useMyWork(agentId: string): MyWork {
  const [work, setWork] = useState<MyWorkResponse>({ offers: [], conversations: [], snoozed: [] });
  const [status, setStatus] = useState<MyWork["status"]>("loading");
  const [error, setError] = useState<string | null>(null);
  const latestRequest = useRef(0);
  const eventsSinceRequest = useRef<WorkEvent[] | null>(null);
  // Each customer message counts once as unread, and once as seen (events may repeat: they are merged by id).
  const counted = useRef(new Map<string, "unread" | "read">());

  const apply = useCallback(
    (event: WorkEvent) => {
      eventsSinceRequest.current?.push(event);
      setWork((current) => applyEvent(current, event, agentId));
    },
    [agentId],
  );

  const loadSnapshot = useCallback(async () => {
    const request = ++latestRequest.current;
    eventsSinceRequest.current = [];
    try {
      const snapshot = await api.myWork();
      if (request !== latestRequest.current) return;
      const replay = eventsSinceRequest.current ?? [];
      eventsSinceRequest.current = null;
      counted.current.clear();
      setWork(replay.filter((e) => e.type !== "message").reduce((state, event) => applyEvent(state, event, agentId), sortWork(snapshot)));
      setStatus("ready");
      setError(null);
    } catch (failure) {
      if (request !== latestRequest.current) return;
      eventsSinceRequest.current = null;
      setStatus((current) => (current === "ready" ? current : "error"));
      setError(errorMessage(failure));
    }
  }, [agentId]);

  useEffect(() => {
    void loadSnapshot();
  }, [loadSnapshot]);

  useSocketEvent("connect", () => void loadSnapshot());
  // A merge (or its undo) moved one of my conversations to another customer: its name and tier changed.
  useSocketEvent("customer:merged", () => void loadSnapshot());
  useSocketEvent("offer:new", (offer) => apply({ type: "offer:new", offer }));
  useSocketEvent("offer:closed", ({ offerId }) => apply({ type: "offer:closed", offerId }));
  useSocketEvent("conversation:updated", (conversation) => apply({ type: "conversation:updated", conversation }));
  const onMessage = useCallback(
    (message: MessageView) => {
      let unreadDelta = 0;
      if (message.direction === "inbound") {
        const before = counted.current.get(message.id);
        const now = message.readAt ? "read" : "unread";
        if (now === "unread" && before === undefined) unreadDelta = 1;
        if (now === "read" && before !== "read") unreadDelta = before === "unread" || before === undefined ? -1 : 0;
        // A message read before this page saw it unread was counted by the snapshot, or never: -1 floors at 0.
        counted.current.set(message.id, now);
      }
      apply({ type: "message", message, unreadDelta });
    },
    [apply],
  );
  useSocketEvent("message:new", onMessage);
  useSocketEvent("message:updated", onMessage);

  const accept = useCallback(
    async (offerId: string) => {
      try {
        const { conversation } = await api.acceptOffer(offerId);
        apply({ type: "offer:closed", offerId });
        apply({ type: "conversation:updated", conversation });
        return conversation;
      } catch (failure) {
        // The offer went to someone else or timed out: it is no longer ours to show.
        if (failure instanceof ApiError && (failure.code === "CONFLICT" || failure.code === "NOT_FOUND")) {
          apply({ type: "offer:closed", offerId });
        }
        throw failure;
      }
    },
    [apply],
  );

  const reject = useCallback(
    async (offerId: string) => {
      try {
        await api.rejectOffer(offerId);
      } catch (failure) {
        if (!(failure instanceof ApiError && (failure.code === "CONFLICT" || failure.code === "NOT_FOUND"))) throw failure;
      }
      apply({ type: "offer:closed", offerId });
    },
    [apply],
  );

  const noteConversation = useCallback(
    (conversation: ConversationView) => apply({ type: "conversation:updated", conversation }),
    [apply],
  );

  return { ...work, status, error, accept, reject, noteConversation };
}
