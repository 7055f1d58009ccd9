// A supervisor changes another agent's state, or signs them out, from the live board. Both are audited
// in the change's transaction, and the agent is told who did it.
import type { AgentView } from "../../../shared/api.ts";
import type { SettablePresence } from "../../../shared/domain.ts";
import type { Prisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { announceSessionsEnded, deleteAgentSessions } from "../auth/end-sessions.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { closeOffer } from "../routing/answer-offer.ts";
import { AGENT_RECORD, agentRecordView, lockAgent } from "../workspace/agent-record.ts";
import { setPresence, type PresenceDeps } from "../workspace/set-presence.ts";
import { supervisorNotices } from "./supervisor-notice.ts";

const LABEL: Record<SettablePresence, string> = { available: "Available", away: "Away", offline: "Offline" };

const signedIn = async (tx: Prisma.TransactionClient, agentId: string) =>
  (await tx.session.count({ where: { agentId, expiresAt: { gt: new Date() } } })) > 0;

/** Available, away (with an active reason, as for oneself) or offline, for an active agent other than oneself. */
export async function setAgentState(
  deps: PresenceDeps,
  actor: Actor,
  opts: { agentId: string; presence: SettablePresence; awayReasonId?: string | null | undefined },
): Promise<AgentView> {
  assertCan(actor, "agents.supervise");
  if (opts.agentId === actor.id) throw new AppError("VALIDATION", "agentId: set your own state from your workspace");
  const agent = await setPresence(deps, {
    ...opts,
    alsoInTransaction: async (tx, before) => {
      if (!before.active) throw new AppError("AGENT_UNAVAILABLE", "This agent is deactivated", { agentId: opts.agentId, reason: "deactivated" });
      // Work offered to someone nobody can reach would only time out: available needs them signed in.
      if (opts.presence === "available" && !(await signedIn(tx, opts.agentId))) {
        throw new AppError("AGENT_UNAVAILABLE", "This agent is not signed in: they cannot be made available", { agentId: opts.agentId, reason: "not_signed_in" });
      }
      await recordPrismaAudit(tx, {
        actorId: actor.id,
        action: "supervisor.set_state",
        entityType: "agent",
        entityId: opts.agentId,
        data: {
          before: { presence: before.presence, awayReasonId: before.awayReasonId },
          after: { presence: opts.presence, awayReasonId: opts.presence === "away" ? (opts.awayReasonId ?? null) : null },
        },
      });
    },
  });
  const state = LABEL[opts.presence] + (agent.awayReason ? ` (${agent.awayReason.name})` : "");
  await deps.events.publish(...supervisorNotices(actor.id, [{ agentId: agent.id, message: `${actor.name} set your state to ${state}` }]));
  return agent;
}

/**
 * Ends every session of the agent now: their sockets close on every server (sessions.ended), they go
 * offline, and their pending offers are withdrawn, so nothing waits on someone who is gone. Their
 * assigned work stays theirs, as after a logout: a supervisor can take or reassign it.
 */
export async function signOutAgent(deps: PresenceDeps, actor: Actor, opts: { agentId: string }): Promise<{ agent: AgentView; sessionsEnded: number }> {
  assertCan(actor, "agents.supervise");
  if (opts.agentId === actor.id) throw new AppError("VALIDATION", "agentId: sign yourself out from your workspace");
  const { agent, sessionsEnded } = await deps.prisma.$transaction(async (tx) => {
    if (!(await lockAgent(tx, opts.agentId))) throw new AppError("NOT_FOUND", "No such agent");
    const current = await tx.agent.findUniqueOrThrow({ where: { id: opts.agentId }, select: { presence: true } });
    const sessionsEnded = await deleteAgentSessions(tx, opts.agentId);
    const updated = await tx.agent.update({
      where: { id: opts.agentId },
      data: { presence: "offline", awayReasonId: null, ...(current.presence === "offline" ? {} : { presenceChangedAt: new Date() }) },
      ...AGENT_RECORD,
    });
    await recordPrismaAudit(tx, {
      actorId: actor.id,
      action: "supervisor.sign_out",
      entityType: "agent",
      entityId: opts.agentId,
      data: { before: { presence: current.presence }, after: { presence: "offline" }, sessionsEnded },
    });
    return { agent: agentRecordView(updated), sessionsEnded };
  });
  // The notice goes first: the sockets it reaches are closed by the sessions.ended that follows.
  await deps.events.publish(...supervisorNotices(actor.id, [{ agentId: agent.id, message: `${actor.name} signed you out` }]), { type: "agent.updated", agent });
  await announceSessionsEnded(deps.events, opts.agentId, "signed_out");
  const pending = await deps.prisma.offer.findMany({ where: { agentId: opts.agentId, status: "pending" }, select: { id: true } });
  for (const offer of pending) await closeOffer(deps, { offerId: offer.id, status: "withdrawn" });
  return { agent, sessionsEnded };
}
