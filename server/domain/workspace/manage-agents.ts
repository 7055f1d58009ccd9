// Supervisors see every agent and their presence; admins add agents.
import type pg from "pg";
import type { AgentView, CreateAgentBody, TransferTarget } from "../../../shared/api.ts";
import { toE164 } from "../../../shared/phone.ts";
import { AppError } from "../../errors.ts";
import { hashPassword } from "../auth/sessions.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";

export async function listAgents(deps: { pool: pg.Pool }): Promise<AgentView[]> {
  const { rows } = await deps.pool.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents a ORDER BY a.name`);
  return rows.map(agentView);
}

export async function createAgent(deps: { pool: pg.Pool }, body: CreateAgentBody): Promise<AgentView> {
  const { rows } = await deps.pool.query<AgentRow>(
    `INSERT INTO agents AS a (email, name, password_hash, role, skills, capacity_voice, capacity_chat, capacity_sms, capacity_email)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (email) DO NOTHING RETURNING ${AGENT_COLUMNS}`,
    [body.email, body.name, await hashPassword(body.password), body.role, body.skills, body.capacity.voice, body.capacity.chat, body.capacity.sms, body.capacity.email],
  );
  if (!rows[0]) throw new AppError("CONFLICT", `An agent with the email ${body.email} already exists`);
  return agentView(rows[0]);
}

/** Who a call can be transferred to: every other agent who is not offline. */
export async function listTransferTargets(deps: { pool: pg.Pool }, agentId: string): Promise<TransferTarget[]> {
  const { rows } = await deps.pool.query<TransferTarget>(
    `SELECT id, name, presence FROM agents WHERE id <> $1 AND presence <> 'offline' ORDER BY name`,
    [agentId],
  );
  return rows;
}

/** Calls ring the agent's own phone (E.164) instead of the softphone; null goes back to the softphone. */
export async function setForwardPhone(
  deps: { pool: pg.Pool },
  opts: { agentId: string; phone: string | null; defaultCountry: string },
): Promise<AgentView> {
  const e164 = opts.phone === null ? null : toE164(opts.phone, opts.defaultCountry);
  if (opts.phone !== null && !e164) throw new AppError("VALIDATION", `phone: "${opts.phone}" is not a valid phone number`);
  const { rows } = await deps.pool.query<AgentRow>(`UPDATE agents a SET forward_phone = $2 WHERE id = $1 RETURNING ${AGENT_COLUMNS}`, [opts.agentId, e164]);
  if (!rows[0]) throw new AppError("NOT_FOUND", "No such agent");
  return agentView(rows[0]);
}
