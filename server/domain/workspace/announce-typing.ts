// An agent is typing a reply: the chat visitor sees it, and so do other agents on the same customer.
import type pg from "pg";
import type { Channel } from "../../../shared/domain.ts";
import type { AgentView } from "../../../shared/api.ts";
import type { EventPublisher } from "../events.ts";

export async function announceAgentTyping(
  deps: { pool: pg.Pool; events: EventPublisher },
  opts: { agent: AgentView; conversationId: string; typing: boolean },
): Promise<void> {
  const { rows } = await deps.pool.query<{ channel: Channel; customer_id: string; customer_address: string; assigned_agent_id: string | null; status: string }>(
    `SELECT channel, customer_id, customer_address, assigned_agent_id, status FROM conversations WHERE id = $1`,
    [opts.conversationId],
  );
  const c = rows[0];
  if (!c || c.status === "resolved") return;
  await deps.events.publish(
    {
      type: "conversation.typing",
      conversationId: opts.conversationId,
      customerId: c.customer_id,
      assignedAgentId: c.assigned_agent_id,
      who: "agent",
      agentId: opts.agent.id,
      name: opts.agent.name,
      typing: opts.typing,
    },
    ...(c.channel === "chat" ? [{ type: "chat.typing" as const, visitorId: c.customer_address, typing: opts.typing, name: opts.agent.name }] : []),
  );
}
