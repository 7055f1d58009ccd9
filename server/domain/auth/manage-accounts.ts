// An agent's account over its life: deactivate and reactivate (admins), change or reset a password,
// unlock sign-in. Each change and its audit row commit together (Prisma); ended sessions are announced after.
import { randomBytes } from "node:crypto";
import { CreateAgentBody, type AgentView } from "../../../shared/api.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { LoginThrottle } from "../../redis/login-throttle.ts";
import type { EventPublisher } from "../events.ts";
import { closeOffer } from "../routing/answer-offer.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { AGENT_RECORD, agentRecordView, lockAgent } from "../workspace/agent-record.ts";
import { insertAgent } from "../workspace/manage-agents.ts";
import { announceSessionsEnded, deleteAgentSessions } from "./end-sessions.ts";
import { hashPassword, verifyPassword } from "./sessions.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "./permissions.ts";

type Tx = Prisma.TransactionClient;

const audit = (tx: Tx, opts: { actorId: string | null; action: string; agentId: string; data?: Record<string, unknown> }) =>
  recordPrismaAudit(tx, { actorId: opts.actorId, action: opts.action, entityType: "agent", entityId: opts.agentId, ...(opts.data ? { data: opts.data } : {}) });

const noSuchAgent = () => new AppError("NOT_FOUND", "No such agent");

/** Deactivated: cannot sign in, every session and socket ends, offline so no work is offered. */
export async function deactivateAgent(deps: RoutingDeps & { prisma: PrismaClient }, opts: { actor: Actor; agentId: string }): Promise<AgentView> {
  assertCan(opts.actor, "agents.manage");
  if (opts.actor.id === opts.agentId) throw new AppError("CONFLICT", "You cannot deactivate your own account");
  const agent = await deps.prisma.$transaction(async (tx) => {
    if (!(await lockAgent(tx, opts.agentId))) throw noSuchAgent();
    const current = await tx.agent.findUniqueOrThrow({ where: { id: opts.agentId }, select: { deactivatedAt: true, presence: true } });
    const now = new Date();
    // Deactivating twice keeps the first time; an agent already offline keeps when they went offline.
    const updated = await tx.agent.update({
      where: { id: opts.agentId },
      data: { deactivatedAt: current.deactivatedAt ?? now, presence: "offline", ...(current.presence === "offline" ? {} : { presenceChangedAt: now }) },
      ...AGENT_RECORD,
    });
    const ended = await deleteAgentSessions(tx, opts.agentId);
    await audit(tx, { actorId: opts.actor.id, action: "agent_deactivated", agentId: opts.agentId, data: { sessionsEnded: ended } });
    return agentRecordView(updated);
  });
  await announceSessionsEnded(deps.events, opts.agentId, "deactivated");
  await deps.events.publish({ type: "agent.updated", agent });
  const pending = await deps.prisma.offer.findMany({ where: { agentId: opts.agentId, status: "pending" }, select: { id: true } });
  for (const offer of pending) await closeOffer(deps, { offerId: offer.id, status: "withdrawn" });
  return agent;
}

export async function reactivateAgent(deps: { prisma: PrismaClient; events: EventPublisher }, opts: { actor: Actor; agentId: string }): Promise<AgentView> {
  assertCan(opts.actor, "agents.manage");
  const agent = await deps.prisma.$transaction(async (tx) => {
    if (!(await lockAgent(tx, opts.agentId))) throw noSuchAgent();
    const updated = await tx.agent.update({ where: { id: opts.agentId }, data: { deactivatedAt: null }, ...AGENT_RECORD });
    await audit(tx, { actorId: opts.actor.id, action: "agent_reactivated", agentId: opts.agentId });
    return agentRecordView(updated);
  });
  await deps.events.publish({ type: "agent.updated", agent });
  return agent;
}

/** The agent's own change: needs the current password; ends every other session of theirs. */
export async function changePassword(
  deps: { prisma: PrismaClient; events: EventPublisher },
  opts: { agentId: string; sessionId: string; currentPassword: string; newPassword: string },
): Promise<void> {
  const found = await deps.prisma.agent.findUnique({ where: { id: opts.agentId }, select: { passwordHash: true } });
  if (!found) throw noSuchAgent();
  if (!(await verifyPassword(found.passwordHash, opts.currentPassword))) throw new AppError("FORBIDDEN", "The current password is wrong");
  const hash = await hashPassword(opts.newPassword);
  const scope = { exceptSessionId: opts.sessionId };
  await deps.prisma.$transaction(async (tx) => {
    await tx.agent.updateMany({ where: { id: opts.agentId }, data: { passwordHash: hash } });
    const ended = await deleteAgentSessions(tx, opts.agentId, scope);
    await audit(tx, { actorId: opts.agentId, action: "password_changed", agentId: opts.agentId, data: { sessionsEnded: ended } });
  });
  await announceSessionsEnded(deps.events, opts.agentId, "password_changed", scope);
}

/** The operator's reset (scripts/agent.ts): a new random password, shown once; every session ends. */
export async function resetPassword(deps: { prisma: PrismaClient; events: EventPublisher }, opts: { email: string }): Promise<{ agent: AgentView; password: string }> {
  const password = randomBytes(12).toString("base64url");
  const hash = await hashPassword(password);
  const agent = await deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.agent.updateMany({ where: { email: opts.email }, data: { passwordHash: hash } });
    if (count === 0) throw new AppError("NOT_FOUND", `No agent has the email ${opts.email}`);
    const updated = await tx.agent.findUniqueOrThrow({ where: { email: opts.email }, ...AGENT_RECORD });
    const ended = await deleteAgentSessions(tx, updated.id);
    await audit(tx, { actorId: null, action: "password_reset", agentId: updated.id, data: { by: "cli", sessionsEnded: ended } });
    return agentRecordView(updated);
  });
  await announceSessionsEnded(deps.events, agent.id, "password_changed");
  return { agent, password };
}

/** Clears the sign-in delays an account has collected from every address. */
export async function unlockAgent(deps: { prisma: PrismaClient; loginThrottle: LoginThrottle }, opts: { actor: Actor; agentId: string }): Promise<{ cleared: number }> {
  assertCan(opts.actor, "agents.manage");
  return deps.prisma.$transaction(async (tx) => {
    const found = await tx.agent.findUnique({ where: { id: opts.agentId }, select: { id: true } });
    if (!found) throw noSuchAgent();
    const cleared = await deps.loginThrottle.unlock(opts.agentId);
    await audit(tx, { actorId: opts.actor.id, action: "agent_unlocked", agentId: opts.agentId, data: { cleared } });
    return { cleared };
  });
}

/** The operator's way in (scripts/agent.ts): a new agent with a random password, shown once. */
export async function createAgentAccount(
  deps: { prisma: PrismaClient },
  opts: { email: string; name: string; role: AgentView["role"] },
): Promise<{ agent: AgentView; password: string }> {
  const password = randomBytes(12).toString("base64url");
  const body = CreateAgentBody.parse({ email: opts.email, name: opts.name, role: opts.role, password });
  const hash = await hashPassword(password);
  const agent = await deps.prisma.$transaction((tx) => insertAgent(tx, body, hash, { actorId: null, via: "cli" }));
  return { agent, password };
}
