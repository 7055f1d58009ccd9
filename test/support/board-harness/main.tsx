// A bare page that mounts the live board's action controls (client/supervisor/) on real data, for the
// browser test: ?conversation=<id>&agent=<id>. The board itself mounts them the same way.
import { useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import type { AgentView, AwayReasonView, ConversationView } from "../../../shared/api.ts";
import { AgentActions } from "../../../client/supervisor/agent-actions.tsx";
import { ConversationActions } from "../../../client/supervisor/conversation-actions.tsx";

const params = new URLSearchParams(location.search);
const get = async <T,>(path: string): Promise<T> => (await fetch(path, { headers: { Accept: "application/json" } })).json() as Promise<T>;

function Harness() {
  const [data, setData] = useState<{ conversation: ConversationView; agents: AgentView[]; queues: { id: string; name: string }[]; reasons: AwayReasonView[] } | null>(null);
  const [done, setDone] = useState(0);
  const load = useCallback(async () => {
    const [c, agents, queues, reasons] = await Promise.all([
      get<{ conversation: ConversationView }>(`/api/conversations/${params.get("conversation")}`),
      get<{ agents: AgentView[] }>("/api/agents"),
      get<{ queues: { id: string; name: string }[] }>("/api/queues"),
      get<{ awayReasons: AwayReasonView[] }>("/api/away-reasons"),
    ]);
    setData({ conversation: c.conversation, agents: agents.agents, queues: queues.queues, reasons: reasons.awayReasons });
  }, []);
  useEffect(() => void load(), [load, done]);
  if (!data) return <p>Loading…</p>;
  const { conversation: c } = data;
  const agent = data.agents.find((a) => a.id === params.get("agent"))!;
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: 16, display: "grid", gap: 16, maxWidth: 720 }}>
      <section data-testid="conversation-row" data-status={c.status} data-assigned={c.assignedAgentId ?? ""}>
        <h2 style={{ fontSize: 14 }}>{c.customer.displayName} · {c.status} · {data.agents.find((a) => a.id === c.assignedAgentId)?.name ?? "nobody"}</h2>
        <ConversationActions
          key={`${c.id}-${done}`}
          conversation={{ id: c.id, channel: c.channel, status: c.status, assignedAgentId: c.assignedAgentId, queueId: c.queue?.id ?? null }}
          agents={data.agents.filter((a) => a.active).map((a) => ({ id: a.id, name: a.name, presence: a.presence }))}
          queues={data.queues}
          onDone={() => setDone((n) => n + 1)}
        />
      </section>
      <section data-testid="agent-row" data-presence={agent.presence}>
        <h2 style={{ fontSize: 14 }}>{agent.name} · {agent.presence}{agent.awayReason ? ` (${agent.awayReason.name})` : ""}</h2>
        <AgentActions
          agent={{ id: agent.id, name: agent.name, presence: agent.presence, awayReasonId: agent.awayReason?.id ?? null }}
          awayReasons={data.reasons}
          onDone={() => setDone((n) => n + 1)}
        />
      </section>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<Harness />);
