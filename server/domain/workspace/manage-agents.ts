// Supervisors see every agent and their presence; admins add agents and change their role, skills,
// capacity and forward phone. Every change is audited in its own transaction.
import type pg from "pg";
import type { AgentView, CreateAgentBody, TransferTarget, UpdateAgentBody } from "../../../shared/api.ts";
import { toE164 } from "../../../shared/phone.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { hashPassword } from "../auth/sessions.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";
import { TRANSFER_TARGETS_SQL } from "../voice/transfer-target.ts";

export async function listAgents(deps: { pool: pg.Pool }, actor: Actor): Promise<AgentView[]> {
  assertCan(actor, "agents.read");
  const { rows } = await deps.pool.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents a ORDER BY a.name`);
  return rows.map(agentView);
}

export async function createAgent(deps: { pool: pg.Pool }, actor: Actor, body: CreateAgentBody): Promise<AgentView> {
  assertCan(actor, "agents.manage");
  const passwordHash = await hashPassword(body.password);
  return withTransaction(deps.pool, (tx) => insertAgent(tx, body, passwordHash, { actorId: actor.id }));
}

/**
 * Adds the agent and its audit row in the caller's transaction (CONFLICT when the email is taken).
 * `actorId` null: the operator's command line (scripts/agent.ts), recorded as such.
 */
export async function insertAgent(
  tx: pg.PoolClient,
  body: CreateAgentBody,
  passwordHash: string,
  by: { actorId: string | null; via?: "cli" },
): Promise<AgentView> {
  const { rows } = await tx.query<AgentRow>(
    `INSERT INTO agents AS a (email, name, password_hash, role, skills, capacity_voice, capacity_chat, capacity_sms, capacity_email)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (email) DO NOTHING RETURNING ${AGENT_COLUMNS}`,
    [body.email, body.name, passwordHash, body.role, body.skills, body.capacity.voice, body.capacity.chat, body.capacity.sms, body.capacity.email],
  );
  if (!rows[0]) throw new AppError("CONFLICT", `An agent with the email ${body.email} already exists`);
  const agent = agentView(rows[0]);
  const { forwardPhone: _none, presence: _offline, ...recorded } = agent;
  await recordAudit(tx, { actorId: by.actorId, action: "agent_created", entityType: "agent", entityId: agent.id, data: { after: recorded, ...(by.via ? { by: by.via } : {}) } });
  return agent;
}

/** An admin changes an agent's role, name, skills or capacity per channel: the before and after are audited. */
export async function updateAgent(deps: { pool: pg.Pool }, actor: Actor, agentId: string, body: UpdateAgentBody): Promise<AgentView> {
  assertCan(actor, "agents.manage");
  return withTransaction(deps.pool, async (tx) => {
    const before = await tx.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.id = $1 FOR UPDATE`, [agentId]);
    if (!before.rows[0]) throw new AppError("NOT_FOUND", "No such agent");
    const old = agentView(before.rows[0]);
    if (old.role === "admin" && body.role && body.role !== "admin") {
      // The other admins' rows are locked too: two admins cannot demote each other at once.
      const admins = await tx.query(`SELECT id FROM agents WHERE role = 'admin' AND id <> $1 FOR UPDATE`, [agentId]);
      if (admins.rowCount === 0) throw new AppError("CONFLICT", "This is the last admin: make someone else admin first");
    }
    const capacity = { ...old.capacity, ...body.capacity };
    const { rows } = await tx.query<AgentRow>(
      `UPDATE agents a SET name = $2, role = $3, skills = $4, capacity_voice = $5, capacity_chat = $6, capacity_sms = $7, capacity_email = $8
        WHERE a.id = $1 RETURNING ${AGENT_COLUMNS}`,
      [agentId, body.name ?? old.name, body.role ?? old.role, body.skills ?? old.skills, capacity.voice, capacity.chat, capacity.sms, capacity.email],
    );
    const updated = agentView(rows[0]!);
    const changed = (["name", "role", "skills", "capacity"] as const).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(updated[k]));
    if (changed.length) {
      await recordAudit(tx, {
        actorId: actor.id,
        action: "agent_updated",
        entityType: "agent",
        entityId: agentId,
        data: { before: Object.fromEntries(changed.map((k) => [k, old[k]])), after: Object.fromEntries(changed.map((k) => [k, updated[k]])) },
      });
    }
    return updated;
  });
}

/** Who a call can be transferred to now: other agents who are available with a free voice slot. */
export async function listTransferTargets(deps: { pool: pg.Pool }, actor: Actor): Promise<TransferTarget[]> {
  assertCan(actor, "transfer_targets.read");
  const { rows } = await deps.pool.query<TransferTarget>(TRANSFER_TARGETS_SQL, [actor.id]);
  return rows;
}

/** Writes an agent's forward phone and its audit row; `via` says who vouched for the number. */
export async function writeForwardPhone(
  tx: pg.PoolClient,
  opts: { actor: Actor; agentId: string; phone: string | null; via: "admin" | "code" | "cleared" },
): Promise<AgentView> {
  const before = await tx.query<{ forward_phone: string | null }>(`SELECT forward_phone FROM agents WHERE id = $1 FOR UPDATE`, [opts.agentId]);
  if (!before.rows[0]) throw new AppError("NOT_FOUND", "No such agent");
  const { rows } = await tx.query<AgentRow>(`UPDATE agents a SET forward_phone = $2 WHERE id = $1 RETURNING ${AGENT_COLUMNS}`, [opts.agentId, opts.phone]);
  await recordAudit(tx, {
    actorId: opts.actor.id,
    action: "agent_forward_phone_changed",
    entityType: "agent",
    entityId: opts.agentId,
    data: { before: before.rows[0].forward_phone, after: opts.phone, via: opts.via },
  });
  return agentView(rows[0]!);
}

/** An admin sets (or clears) any agent's forward phone directly: they vouch for the number. */
export async function setAgentForwardPhone(
  deps: { pool: pg.Pool },
  opts: { actor: Actor; agentId: string; phone: string | null; defaultCountry: string },
): Promise<AgentView> {
  assertCan(opts.actor, "agents.manage");
  const e164 = opts.phone === null ? null : toE164(opts.phone, opts.defaultCountry);
  if (opts.phone !== null && !e164) throw new AppError("VALIDATION", `phone: "${opts.phone}" is not a valid phone number`);
  return withTransaction(deps.pool, (tx) => writeForwardPhone(tx, { actor: opts.actor, agentId: opts.agentId, phone: e164, via: e164 ? "admin" : "cleared" }));
}
