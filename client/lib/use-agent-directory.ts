// The names of the active agents, to mention one in a note: read once per workspace session.
import { useEffect, useState } from "react";
import { api } from "./api.ts";

let cached: Promise<{ id: string; name: string }[]> | null = null;

export function useAgentDirectory(enabled: boolean): { id: string; name: string }[] {
  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    cached ??= api.agentDirectory().then((r) => r.agents, (err) => {
      cached = null; // a failed read is tried again next time
      throw err;
    });
    cached.then((list) => live && setAgents(list), () => {});
    return () => {
      live = false;
    };
  }, [enabled]);
  return agents;
}
