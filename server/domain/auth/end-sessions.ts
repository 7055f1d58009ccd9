// Ending an agent's sessions: the rows go, and a domain event on the Redis stream tells every server
// process to disconnect that agent's sockets (all, or only one session's) at once.
import type { Prisma, PrismaClient } from "../../db/client.ts";
import type { EventPublisher, SessionEndReason } from "../events.ts";

export interface SessionScope {
  /** Only this session (logout). */
  sessionId?: string;
  /** Every session but this one (a password change keeps the session that made it). */
  exceptSessionId?: string;
}

/** Deletes the session rows; in a caller's transaction, announce with announceSessionsEnded after commit. */
export async function deleteAgentSessions(db: PrismaClient | Prisma.TransactionClient, agentId: string, scope: SessionScope = {}): Promise<number> {
  const tokenHash = {
    ...(scope.sessionId !== undefined ? { equals: scope.sessionId } : {}),
    ...(scope.exceptSessionId !== undefined ? { not: scope.exceptSessionId } : {}),
  };
  const { count } = await db.session.deleteMany({ where: { agentId, tokenHash } });
  return count;
}

export async function announceSessionsEnded(events: EventPublisher, agentId: string, reason: SessionEndReason, scope: SessionScope = {}): Promise<void> {
  await events.publish({ type: "sessions.ended", agentId, reason, sessionId: scope.sessionId ?? null, exceptSessionId: scope.exceptSessionId ?? null });
}

export async function endAgentSessions(
  deps: { prisma: PrismaClient; events: EventPublisher },
  agentId: string,
  reason: SessionEndReason,
  scope: SessionScope = {},
): Promise<void> {
  await deleteAgentSessions(deps.prisma, agentId, scope);
  await announceSessionsEnded(deps.events, agentId, reason, scope);
}
