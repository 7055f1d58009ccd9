// Supervisors see every agent and their presence; admins add agents.
import type pg from "pg";
import type { AgentView, CreateAgentBody } from "../../../shared/api.ts";
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
