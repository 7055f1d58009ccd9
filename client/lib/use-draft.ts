// An unsent reply or note survives a page refresh: it is kept in this browser's localStorage per
// conversation, dropped once sent, and all of them are dropped at sign-out (a shared computer keeps none).
import { useCallback, useEffect, useRef, useState } from "react";

const PREFIX = "switchboard:draft:";
// Each keystroke would write storage: a short pause first, and at once when the page goes away.
const SAVE_DELAY_MS = 300;

export interface Draft {
  text: string;
  mode: "reply" | "note";
}

function read(conversationId: string): Draft | null {
  try {
    const raw = localStorage.getItem(PREFIX + conversationId);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Draft>;
    return typeof parsed.text === "string" ? { text: parsed.text, mode: parsed.mode === "note" ? "note" : "reply" } : null;
  } catch {
    return null; // storage off (private mode) or a value we did not write
  }
}

function write(conversationId: string, draft: Draft): void {
  try {
    if (draft.text.trim() === "") localStorage.removeItem(PREFIX + conversationId);
    else localStorage.setItem(PREFIX + conversationId, JSON.stringify(draft));
  } catch {
    // A full or disabled storage loses only the draft's survival of a refresh.
  }
}

export function clearAllDrafts(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
  } catch {
    // nothing kept, nothing to clear
  }
}

/** The composer's text and mode for one conversation, restored after a refresh. */
export function useDraft(conversationId: string, initialMode: Draft["mode"]): [Draft, (next: Draft) => void] {
  const [draft, setDraft] = useState<Draft>(() => {
    const saved = read(conversationId);
    return saved ? { text: saved.text, mode: initialMode === "note" ? "note" : saved.mode } : { text: "", mode: initialMode };
  });
  const pending = useRef<Draft | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    if (pending.current) write(conversationId, pending.current);
    pending.current = null;
  }, [conversationId]);

  useEffect(() => {
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, [flush]);

  const update = useCallback(
    (next: Draft) => {
      setDraft(next);
      pending.current = next;
      clearTimeout(timer.current);
      // An emptied draft (sent) is forgotten at once, so a refresh right after cannot bring it back.
      if (next.text.trim() === "") flush();
      else timer.current = setTimeout(flush, SAVE_DELAY_MS);
    },
    [flush],
  );
  return [draft, update];
}
