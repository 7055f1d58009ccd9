// What an agent is told when a supervisor acts on their work or their state from the live board.
import type { ConversationView } from "../../../shared/api.ts";
import type { DomainEvent } from "../events.ts";

/** "with Pat Customer" or "SB-1042": how a notice names the conversation. */
export function conversationName(c: Pick<ConversationView, "customer" | "reference" | "customerAddress"> | null): string {
  if (!c) return "a conversation";
  return `the conversation with ${c.customer.displayName ?? c.customerAddress}${c.reference ? ` (${c.reference})` : ""}`;
}

/** One notice per agent (none to the supervisor who acted: they know). */
export function supervisorNotices(
  actorId: string,
  notices: { agentId: string | null | undefined; message: string; conversationId?: string | null }[],
): DomainEvent[] {
  const at = new Date().toISOString();
  const seen = new Set<string>();
  const events: DomainEvent[] = [];
  for (const n of notices) {
    if (!n.agentId || n.agentId === actorId || seen.has(n.agentId)) continue;
    seen.add(n.agentId);
    events.push({ type: "agent.notice", agentId: n.agentId, notice: { kind: "supervisor_action", message: n.message, conversationId: n.conversationId ?? null, at } });
  }
  return events;
}
