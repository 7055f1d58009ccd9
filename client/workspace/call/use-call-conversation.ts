// Which conversation the softphone's call belongs to, and the screen pop: a voice offer opens its
// conversation (the caller's whole timeline) the moment it arrives, before the agent accepts.
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConversationView, OfferView } from "../../../shared/api.ts";
import { api } from "../../lib/api.ts";

type Options = {
  offers: OfferView[];
  /** My open conversations, most recently active first. */
  conversations: ConversationView[];
  onScreenPop: (conversationId: string) => void;
};

export interface CallConversation {
  /** The conversation of the call that rings, is up, or is being wrapped up; null when none of mine is a call. */
  conversation: ConversationView | null;
  /** The agent accepted this voice offer's conversation here: its call is the one that rings next. */
  take(conversationId: string): void;
  /**
   * Click-to-call: the server rings the customer and then this browser's softphone, whose call is the
   * returned voice conversation's. Throws the ApiError (CONSENT_REVOKED, no phone number, …).
   */
  place(customerId: string): Promise<ConversationView>;
}

export function useCallConversation({ offers, conversations, onScreenPop }: Options): CallConversation {
  const [takenId, setTakenId] = useState<string | null>(null);
  const popped = useRef(new Set<string>());

  useEffect(() => {
    for (const offer of offers) {
      // Once per offer, so the agent can look elsewhere while it is still ringing.
      if (offer.channel !== "voice" || popped.current.has(offer.id)) continue;
      popped.current.add(offer.id);
      onScreenPop(offer.conversation.id);
    }
  }, [offers, onScreenPop]);

  // The call Twilio rings carries no conversation id: it is the call accepted here, or else (after a
  // reload mid-call) my most recently active open voice conversation.
  const taken = conversations.find((conversation) => conversation.id === takenId);
  const conversation = taken ?? conversations.find((candidate) => candidate.channel === "voice") ?? null;
  const place = useCallback(async (customerId: string) => {
    const { conversation: placed } = await api.callCustomer(customerId);
    setTakenId(placed.id);
    return placed;
  }, []);
  return { conversation, take: setTakenId, place };
}
