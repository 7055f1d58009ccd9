// An agent sets their presence. Going available pulls waiting work; leaving withdraws pending offers.
// The agents row is an ordinary record (Prisma); its triggers record the state period and keep the
// router's agent_loads.ready in step, in the same statement, whichever layer writes it.
import type { AgentView } from "../../../shared/api.ts";
import type { SettablePresence } from "../../../shared/domain.ts";
import { withDeadlockRetry, type Prisma, type PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { closeOffer } from "../routing/answer-offer.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { AGENT_RECORD, agentRecordView, lockAgent } from "./agent-record.ts";

export type PresenceDeps = RoutingDeps & { prisma: PrismaClient };

export async function setPresence(
  deps: PresenceDeps,
  opts: {
    agentId: string;
    presence: SettablePresence;
    awayReasonId?: string | null | undefined;
    /** In the change's transaction, with the agent locked and their state before it (a supervisor's audit row). */
    alsoInTransaction?: (tx: Prisma.TransactionClient, before: { presence: string; awayReasonId: string | null; active: boolean }) => Promise<void>;
  },
): Promise<AgentView> {
  const reasonId = opts.presence === "away" ? (opts.awayReasonId ?? null) : null;
  if (reasonId && !(await deps.prisma.awayReason.findFirst({ where: { id: reasonId, active: true }, select: { id: true } }))) {
    throw new AppError("VALIDATION", "awayReasonId: no such away reason (or it was retired)");
  }
  // Retried when Postgres breaks a deadlock: the agents row's triggers beside an accept and the router.
  const agent = await withDeadlockRetry(() => deps.prisma.$transaction(async (tx) => {
    // Locked, so that the time of the change is kept only when the presence really changes, as two
    // changes at once each see the other's result.
    if (!(await lockAgent(tx, opts.agentId))) throw new AppError("NOT_FOUND", "No such agent");
    const { presence, awayReasonId, deactivatedAt } = await tx.agent.findUniqueOrThrow({
      where: { id: opts.agentId },
      select: { presence: true, awayReasonId: true, deactivatedAt: true },
    });
    await opts.alsoInTransaction?.(tx, { presence, awayReasonId, active: deactivatedAt === null });
    // The trigger on agents records the period (state and reason) this change ends and the one it opens.
    return tx.agent.update({
      where: { id: opts.agentId },
      data: { presence: opts.presence, awayReasonId: reasonId, ...(presence === opts.presence ? {} : { presenceChangedAt: new Date() }) },
      ...AGENT_RECORD,
    });
  }));
  return presenceChanged(deps, agentRecordView(agent), opts.presence);
}

/** After the change: tell everyone; going available pulls waiting work, leaving withdraws pending offers. */
async function presenceChanged(deps: PresenceDeps, agent: AgentView, presence: SettablePresence): Promise<AgentView> {
  await deps.events.publish({ type: "agent.updated", agent });
  if (presence === "available") {
    await deps.queues.agentMayTakeWork(agent.id);
  } else {
    const pending = await deps.prisma.offer.findMany({ where: { agentId: agent.id, status: "pending" }, select: { id: true } });
    for (const offer of pending) await closeOffer(deps, { offerId: offer.id, status: "withdrawn" });
  }
  return agent;
}

/** The agent's last socket closed a while ago: an agent nobody can reach is not offered work. */
export async function goOfflineIfAway(deps: PresenceDeps, agentId: string): Promise<void> {
  // The condition is in the update: two processes that find the agent gone at once change them once.
  const { count } = await deps.prisma.agent.updateMany({
    where: { id: agentId, presence: { in: ["available", "away"] } },
    data: { presence: "offline", presenceChangedAt: new Date() },
  });
  if (count === 0) return;
  const agent = await deps.prisma.agent.findUniqueOrThrow({ where: { id: agentId }, ...AGENT_RECORD });
  await presenceChanged(deps, agentRecordView(agent), "offline");
}
