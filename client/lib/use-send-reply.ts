// Sends an agent's reply on a conversation, once, with a clear error when it cannot go.
import { useCallback, useRef, useState } from "react";
import type { MessageView } from "../../shared/api.ts";
import { MessageView as MessageViewSchema, SendReplyBody } from "../../shared/api.ts";
import { ApiError, api, errorMessage } from "./api.ts";
import { newIdempotencyKey } from "./idempotency-key.ts";

export interface ReplySender {
  /** Resolves with the stored message (a reply "queued", or a note); on failure sets `error` and resolves null. */
  send(body: string, kind?: "reply" | "note", opts?: { seenAt?: string | undefined; confirmed?: boolean }): Promise<MessageView | null>;
  sending: boolean;
  error: string | null;
  /** A colleague's answer to this customer since the agent looked: shown before the reply may go. */
  answeredSince: MessageView | null;
  dismissAnswered(): void;
}

export function useSendReply(conversationId: string, onSent: (message: MessageView) => void): ReplySender {
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [answeredSince, setAnsweredSince] = useState<MessageView | null>(null);
  // A retry of the same text after a failure keeps its key: if the first attempt did reach the
  // server (and only its answer was lost), the server stores the reply once, not twice.
  const lastAttempt = useRef<{ body: string; kind: "reply" | "note"; key: string } | null>(null);
  const inFlight = useRef(false);

  const send = useCallback(
    async (text: string, kind: "reply" | "note" = "reply", opts: { seenAt?: string | undefined; confirmed?: boolean } = {}) => {
      if (inFlight.current) return null;
      const same = lastAttempt.current?.body === text && lastAttempt.current.kind === kind;
      const key = same ? lastAttempt.current!.key : newIdempotencyKey();
      const parsed = SendReplyBody.safeParse({ body: text, idempotencyKey: key, ...(kind === "reply" ? opts : {}) });
      if (!parsed.success) {
        setError(parsed.error.issues[0]?.message ?? "This reply cannot be sent.");
        return null;
      }
      lastAttempt.current = { body: text, kind, key };
      inFlight.current = true;
      setSending(true);
      setError(null);
      setAnsweredSince(null);
      try {
        const { message } = kind === "note"
          ? await api.addNote(conversationId, { body: parsed.data.body, ...(parsed.data.idempotencyKey ? { idempotencyKey: parsed.data.idempotencyKey } : {}) })
          : await api.sendReply(conversationId, parsed.data);
        lastAttempt.current = null;
        onSent(message);
        return message;
      } catch (failure) {
        // A refused reply (consent, validation, channel off) was not stored: a new try may use a new key.
        if (failure instanceof ApiError && failure.status >= 400 && failure.status < 500) lastAttempt.current = null;
        const answered = failure instanceof ApiError ? answeredSinceOf(failure.details) : null;
        if (answered) setAnsweredSince(answered);
        else setError(errorMessage(failure));
        return null;
      } finally {
        inFlight.current = false;
        setSending(false);
      }
    },
    [conversationId, onSent],
  );

  return { send, sending, error, answeredSince, dismissAnswered: () => setAnsweredSince(null) };
}

function answeredSinceOf(details: unknown): MessageView | null {
  const d = details as { reason?: string; message?: unknown } | undefined;
  if (d?.reason !== "answered_since_seen") return null;
  const parsed = MessageViewSchema.safeParse(d.message);
  return parsed.success ? parsed.data : null;
}
