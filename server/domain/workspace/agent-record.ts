// An agent as Prisma reads it → the wire view, the same AgentView that views.ts's agentView gives for a
// hand-SQL row (AGENT_COLUMNS), so a route answers alike whichever layer read the agent.
import type { AgentView } from "../../../shared/api.ts";
import type { Prisma } from "../../db/client.ts";

/** What agentRecordView reads: the agent and the name of their away reason. */
export const AGENT_RECORD = { include: { awayReason: { select: { name: true } } } } as const;
export type AgentRecord = Prisma.AgentGetPayload<typeof AGENT_RECORD>;

export function agentRecordView(a: AgentRecord): AgentView {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    role: a.role,
    presence: a.presence,
    skills: a.skills,
    capacity: { voice: a.capacityVoice, chat: a.capacityChat, sms: a.capacitySms, email: a.capacityEmail },
    forwardPhone: a.forwardPhone,
    active: a.deactivatedAt === null,
    awayReason: a.awayReasonId ? { id: a.awayReasonId, name: a.awayReason?.name ?? "" } : null,
  };
}

/** Locks the agent's row for the rest of the transaction (Prisma has no FOR UPDATE); false when there is none. */
export async function lockAgent(tx: Prisma.TransactionClient, agentId: string): Promise<boolean> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM agents WHERE id = ${agentId}::uuid FOR UPDATE`;
  return locked.length > 0;
}
