// Where a warm transfer's consultation stands, read from the call's legs (so a reload shows it too),
// and told to the agents on the call whenever the consulted colleague's leg changes.
import type { CallConsultEvent, ConsultView } from "../../../shared/call-consult.ts";
import type { PrismaClient } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";

/**
 * The latest consult leg of the call: live (ringing or talking), or ended by the colleague (not answered,
 * hung up) while the caller is still held for it. An ended consult whose caller was taken off hold since
 * (cancelled, resumed, or held again later) is over: null.
 */
export async function currentConsult(prisma: PrismaClient, conversationId: string): Promise<ConsultView | null> {
  const [consult, customer] = await Promise.all([
    prisma.callLeg.findFirst({ where: { conversationId, role: "consult" }, orderBy: { createdAt: "desc" } }),
    prisma.callLeg.findFirst({ where: { conversationId, role: "customer", endedAt: null }, orderBy: { createdAt: "desc" } }),
  ]);
  if (!consult || !customer) return null;
  if (consult.endedAt && !(customer.onHold && customer.updatedAt <= consult.endedAt)) return null;
  const state = consult.endedAt ? (consult.status === "failed" ? "unanswered" : "hung_up") : consult.status === "joined" ? "talking" : "ringing";
  const agent = consult.agentId ? await prisma.agent.findUnique({ where: { id: consult.agentId }, select: { name: true } }) : null;
  return { agentId: consult.agentId ?? "", name: agent?.name ?? "A colleague", state, since: consult.createdAt.toISOString() };
}

/** Tells the agent who has the call, and the colleague consulted, where the consultation stands now. */
export async function publishConsult(deps: { prisma: PrismaClient; events: EventPublisher }, conversationId: string): Promise<CallConsultEvent> {
  const [consult, conversation] = await Promise.all([
    currentConsult(deps.prisma, conversationId),
    deps.prisma.conversation.findUnique({ where: { id: conversationId }, select: { assignedAgentId: true } }),
  ]);
  const event = { conversationId, consult };
  const to = [conversation?.assignedAgentId, consult?.agentId].filter((id): id is string => !!id);
  await deps.events.publish({ type: "call.consult", event, agentIds: [...new Set(to)] });
  return event;
}
