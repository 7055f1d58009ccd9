// Ending an agent's sessions: the rows go, and a domain event on the Redis stream tells every server
// process to disconnect that agent's sockets (all, or only one session's) at once.
import type pg from "pg";
import type { EventPublisher, SessionEndReason } from "../events.ts";

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export interface SessionScope {
  /** Only this session (logout). */
  sessionId?: string;
  /** Every session but this one (a password change keeps the session that made it). */
  exceptSessionId?: string;
}

/** Deletes the session rows; in a caller's transaction, announce with announceSessionsEnded after commit. */
export async function deleteAgentSessions(db: Queryable, agentId: string, scope: SessionScope = {}): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM sessions WHERE agent_id = $1 AND ($2::text IS NULL OR token_hash = $2) AND ($3::text IS NULL OR token_hash <> $3)`,
    [agentId, scope.sessionId ?? null, scope.exceptSessionId ?? null],
  );
  return rowCount ?? 0;
}

export async function announceSessionsEnded(events: EventPublisher, agentId: string, reason: SessionEndReason, scope: SessionScope = {}): Promise<void> {
  await events.publish({ type: "sessions.ended", agentId, reason, sessionId: scope.sessionId ?? null, exceptSessionId: scope.exceptSessionId ?? null });
}

export async function endAgentSessions(
  deps: { pool: pg.Pool; events: EventPublisher },
  agentId: string,
  reason: SessionEndReason,
  scope: SessionScope = {},
): Promise<void> {
  await deleteAgentSessions(deps.pool, agentId, scope);
  await announceSessionsEnded(deps.events, agentId, reason, scope);
}
