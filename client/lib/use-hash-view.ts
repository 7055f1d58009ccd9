// Which screen the one-page app shows lives in the address: "#admin" (and "#admin=<tab>") is the Team
// screens, "#board" the supervisors' live board, "#reports" (with the report's own parameters after it) the
// reports, anything else (including "#conversation=<id>", see use-open-conversation.ts) the workspace.
import { useEffect, useState } from "react";

export type HashView = "workspace" | "admin" | "board" | "reports";
export type AdminTab = "agents" | "audit" | "canned" | "away" | "widgets" | "entry-points" | "queues";
const ADMIN_TABS: readonly AdminTab[] = ["agents", "audit", "canned", "away", "widgets", "entry-points", "queues"];

function fromHash(): { view: HashView; tab: AdminTab } {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("board")) return { view: "board", tab: "agents" };
  if (params.has("reports")) return { view: "reports", tab: "agents" };
  if (!params.has("admin")) return { view: "workspace", tab: "agents" };
  const tab = ADMIN_TABS.find((t) => t === params.get("admin")) ?? "agents";
  return { view: "admin", tab };
}

export function useHashView(): { view: HashView; tab: AdminTab } {
  const [state, setState] = useState(fromHash);
  useEffect(() => {
    const onHashChange = () => setState(fromHash());
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);
  return state;
}

export const ADMIN_HASH: Record<AdminTab, string> = {
  agents: "#admin",
  audit: "#admin=audit",
  canned: "#admin=canned",
  away: "#admin=away",
  widgets: "#admin=widgets",
  "entry-points": "#admin=entry-points",
  queues: "#admin=queues",
};
