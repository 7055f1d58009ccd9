// Test data through the same tables the product uses.
import type pg from "pg";
import type { Channel, CustomerTier } from "../../shared/domain.ts";
import { hashPassword } from "../../server/domain/auth/sessions.ts";

let passwordHash: Promise<string> | null = null;
export const TEST_PASSWORD = "correct horse battery staple";

export async function createAgent(
  pool: pg.Pool,
  overrides: Partial<{
    email: string;
    name: string;
    role: string;
    skills: string[];
    presence: string;
    capacity: Partial<Record<Channel, number>>;
    /** Their browser softphone has reported itself registered (calls are offered only then, or with a forward phone). */
    softphoneReady: boolean;
  }> = {},
): Promise<{ id: string; email: string; name: string }> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const n = Math.random().toString(36).slice(2, 8);
  const email = overrides.email ?? `agent-${n}@example.test`;
  const name = overrides.name ?? `Agent ${n}`;
  const cap = overrides.capacity ?? {};
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO agents (email, name, password_hash, role, skills, presence, capacity_voice, capacity_chat, capacity_sms, capacity_email, softphone_ready_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $11 THEN now() END) RETURNING id`,
    [email, name, await passwordHash, overrides.role ?? "agent", overrides.skills ?? [], overrides.presence ?? "offline",
     cap.voice ?? 1, cap.chat ?? 3, cap.sms ?? 5, cap.email ?? 8, overrides.softphoneReady ?? false],
  );
  return { id: rows[0]!.id, email, name };
}

export async function createQueue(pool: pg.Pool, overrides: Partial<{ name: string; requiredSkills: string[] }> = {}): Promise<{ id: string }> {
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO queues (name, required_skills) VALUES ($1, $2) RETURNING id`, [
    overrides.name ?? `Queue ${Math.random().toString(36).slice(2, 8)}`,
    overrides.requiredSkills ?? [],
  ]);
  return { id: rows[0]!.id };
}

/** Makes the agent a member of exactly these queues (a new agent is in the default queue). */
export async function setMemberships(pool: pg.Pool, agentId: string, queues: { queueId: string; level?: number }[]): Promise<void> {
  await pool.query(`DELETE FROM queue_members WHERE agent_id = $1`, [agentId]);
  for (const q of queues) {
    await pool.query(`INSERT INTO queue_members (queue_id, agent_id, level) VALUES ($1, $2, $3)`, [q.queueId, agentId, q.level ?? 1]);
  }
}

export async function createCustomer(
  pool: pg.Pool,
  overrides: Partial<{ phone: string; tier: CustomerTier; displayName: string }> = {},
): Promise<{ id: string }> {
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO customers (display_name, tier) VALUES ($1, $2) RETURNING id`, [
    overrides.displayName ?? null,
    overrides.tier ?? "standard",
  ]);
  const id = rows[0]!.id;
  if (overrides.phone) {
    await pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'phone', $2, true, 'test')`, [id, overrides.phone]);
  }
  return { id };
}

/** A conversation already assigned to an agent (as after an accepted offer), for tests of what follows. */
export async function createAssignedConversation(
  pool: pg.Pool,
  opts: { agentId: string; customerPhone: string; channel?: Channel; businessAddress?: string },
): Promise<{ id: string; customerId: string }> {
  const customer = await createCustomer(pool, { phone: opts.customerPhone });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, assigned_agent_id, customer_address, business_address)
     VALUES ($1, $2, 'assigned', $3, $4, $5) RETURNING id`,
    [customer.id, opts.channel ?? "sms", opts.agentId, opts.customerPhone, opts.businessAddress ?? null],
  );
  return { id: rows[0]!.id, customerId: customer.id };
}
