// Which conversation is open lives in the address (#conversation=<id>): a refresh, or the back button,
// brings the agent back to it, and a link to it can be shared with a colleague.
import { useCallback, useEffect, useState } from "react";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fromHash(): string | null {
  const id = new URLSearchParams(location.hash.slice(1)).get("conversation");
  return id && UUID.test(id) ? id : null;
}

export function useOpenConversation(): [string | null, (conversationId: string | null) => void] {
  const [openId, setOpenId] = useState<string | null>(fromHash);

  useEffect(() => {
    const onHashChange = () => setOpenId(fromHash());
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);

  const open = useCallback((conversationId: string | null) => {
    setOpenId(conversationId);
    if (conversationId === fromHash()) return;
    const hash = conversationId ? `#conversation=${conversationId}` : "";
    history.pushState(null, "", location.pathname + location.search + hash);
    // pushState is silent: tell the app's other readers of the address (use-hash-view.ts) that it changed,
    // so a conversation opened from the Team screens (a ringing call's screen pop) shows the workspace.
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  }, []);

  return [openId, open];
}
