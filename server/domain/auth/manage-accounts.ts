// An agent's account over its life: deactivate and reactivate (admins), change or reset a password,
// unlock sign-in. Each change and its audit row commit together; ended sessions are announced after.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { CreateAgentBody, type AgentView } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { LoginThrottle } from "../../redis/login-throttle.ts";
import type { EventPublisher } from "../events.ts";
import { closeOffer } from "../routing/answer-offer.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";
import { insertAgent } from "../workspace/manage-agents.ts";
import { announceSessionsEnded, deleteAgentSessions } from "./end-sessions.ts";
import { hashPassword, verifyPassword } from "./sessions.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "./permissions.ts";

const audit = (tx: pg.PoolClient, opts: { actorId: string | null; action: string; agentId: string; data?: Record<string, unknown> }) =>
  recordAudit(tx, { actorId: opts.actorId, action: opts.action, entityType: "agent", entityId: opts.agentId, ...(opts.data ? { data: opts.data } : {}) });

/** Deactivated: cannot sign in, every session and socket ends, offline so no work is offered. */
export async function deactivateAgent(deps: RoutingDeps, opts: { actor: Actor; agentId: string }): Promise<AgentView> {
  assertCan(opts.actor, "agents.manage");
  if (opts.actor.id === opts.agentId) throw new AppError("CONFLICT", "You cannot deactivate your own account");
  const agent = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<AgentRow>(
      `UPDATE agents a SET deactivated_at = COALESCE(deactivated_at, now()), presence = 'offline',
         presence_changed_at = CASE WHEN presence = 'offline' THEN presence_changed_at ELSE now() END
       WHERE id = $1 RETURNING ${AGENT_COLUMNS}`,
      [opts.agentId],
    );
    if (!rows[0]) throw new AppError("NOT_FOUND", "No such agent");
    const ended = await deleteAgentSessions(tx, opts.agentId);
    await audit(tx, { actorId: opts.actor.id, action: "agent_deactivated", agentId: opts.agentId, data: { sessionsEnded: ended } });
    return agentView(rows[0]);
  });
  await announceSessionsEnded(deps.events, opts.agentId, "deactivated");
  await deps.events.publish({ type: "agent.updated", agent });
  const pending = await deps.pool.query<{ id: string }>(`SELECT id FROM offers WHERE agent_id = $1 AND status = 'pending'`, [opts.agentId]);
  for (const offer of pending.rows) await closeOffer(deps, { offerId: offer.id, status: "withdrawn" });
  return agent;
}

export async function reactivateAgent(deps: { pool: pg.Pool; events: EventPublisher }, opts: { actor: Actor; agentId: string }): Promise<AgentView> {
  assertCan(opts.actor, "agents.manage");
  const agent = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<AgentRow>(`UPDATE agents a SET deactivated_at = NULL WHERE id = $1 RETURNING ${AGENT_COLUMNS}`, [opts.agentId]);
    if (!rows[0]) throw new AppError("NOT_FOUND", "No such agent");
    await audit(tx, { actorId: opts.actor.id, action: "agent_reactivated", agentId: opts.agentId });
    return agentView(rows[0]);
  });
  await deps.events.publish({ type: "agent.updated", agent });
  return agent;
}

/** The agent's own change: needs the current password; ends every other session of theirs. */
export async function changePassword(
  deps: { pool: pg.Pool; events: EventPublisher },
  opts: { agentId: string; sessionId: string; currentPassword: string; newPassword: string },
): Promise<void> {
  const { rows } = await deps.pool.query<{ password_hash: string }>(`SELECT password_hash FROM agents WHERE id = $1`, [opts.agentId]);
  if (!rows[0]) throw new AppError("NOT_FOUND", "No such agent");
  if (!(await verifyPassword(rows[0].password_hash, opts.currentPassword))) throw new AppError("FORBIDDEN", "The current password is wrong");
  const hash = await hashPassword(opts.newPassword);
  const scope = { exceptSessionId: opts.sessionId };
  await withTransaction(deps.pool, async (tx) => {
    await tx.query(`UPDATE agents SET password_hash = $2 WHERE id = $1`, [opts.agentId, hash]);
    const ended = await deleteAgentSessions(tx, opts.agentId, scope);
    await audit(tx, { actorId: opts.agentId, action: "password_changed", agentId: opts.agentId, data: { sessionsEnded: ended } });
  });
  await announceSessionsEnded(deps.events, opts.agentId, "password_changed", scope);
}

/** The operator's reset (scripts/agent.ts): a new random password, shown once; every session ends. */
export async function resetPassword(deps: { pool: pg.Pool; events: EventPublisher }, opts: { email: string }): Promise<{ agent: AgentView; password: string }> {
  const password = randomBytes(12).toString("base64url");
  const hash = await hashPassword(password);
  const agent = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<AgentRow>(`UPDATE agents a SET password_hash = $2 WHERE email = $1 RETURNING ${AGENT_COLUMNS}`, [opts.email, hash]);
    if (!rows[0]) throw new AppError("NOT_FOUND", `No agent has the email ${opts.email}`);
    const ended = await deleteAgentSessions(tx, rows[0].id);
    await audit(tx, { actorId: null, action: "password_reset", agentId: rows[0].id, data: { by: "cli", sessionsEnded: ended } });
    return agentView(rows[0]);
  });
  await announceSessionsEnded(deps.events, agent.id, "password_changed");
  return { agent, password };
}

/** Clears the sign-in delays an account has collected from every address. */
export async function unlockAgent(deps: { pool: pg.Pool; loginThrottle: LoginThrottle }, opts: { actor: Actor; agentId: string }): Promise<{ cleared: number }> {
  assertCan(opts.actor, "agents.manage");
  return withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query(`SELECT 1 FROM agents WHERE id = $1`, [opts.agentId]);
    if (!rows[0]) throw new AppError("NOT_FOUND", "No such agent");
    const cleared = await deps.loginThrottle.unlock(opts.agentId);
    await audit(tx, { actorId: opts.actor.id, action: "agent_unlocked", agentId: opts.agentId, data: { cleared } });
    return { cleared };
  });
}

/** The operator's way in (scripts/agent.ts): a new agent with a random password, shown once. */
export async function createAgentAccount(
  deps: { pool: pg.Pool },
  opts: { email: string; name: string; role: AgentView["role"] },
): Promise<{ agent: AgentView; password: string }> {
  const password = randomBytes(12).toString("base64url");
  const body = CreateAgentBody.parse({ email: opts.email, name: opts.name, role: opts.role, password });
  const hash = await hashPassword(password);
  const agent = await withTransaction(deps.pool, (tx) => insertAgent(tx, body, hash, { actorId: null, via: "cli" }));
  return { agent, password };
}
