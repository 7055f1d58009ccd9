// The board benchmark's contact center, written straight into sb_bench through the product's tables (so
// through its triggers: each agent's agent_loads rows, each in the default queue): a few queues, the agents
// signed in (available, SMS capacity 3) and the supervisors, each with a session as login() makes one (a
// random token for the cookie, its SHA-256 in `sessions`), without hashing a password per person.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { hashToken, SESSION_TTL_MS } from "../server/domain/auth/sessions.ts";

export const BOARD_QUEUES = ["Support", "Billing", "Sales"];

export interface BoardPerson {
  id: string;
  /** The session cookie's value (the secret token; only its hash is stored). */
  token: string;
}

export interface BoardSeed {
  queueIds: string[];
  agents: BoardPerson[];
  supervisors: BoardPerson[];
}

async function insertPeople(pool: pg.Pool, role: "agent" | "supervisor", count: number): Promise<BoardPerson[]> {
  const available = role === "agent";
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO agents (email, name, password_hash, role, presence, presence_changed_at, capacity_voice, capacity_chat, capacity_sms, capacity_email)
     SELECT 'bench-' || $1 || '-' || n || '@example.test', 'Bench ' || initcap($1) || ' ' || lpad(n::text, 4, '0'), 'bench: no password sign-in',
            $1::"AgentRole", $2::"Presence", now(), 0, 0, $3, 0
       FROM generate_series(1, $4::int) AS n ORDER BY n
     RETURNING id`,
    [role, available ? "available" : "offline", available ? 3 : 0, count],
  );
  const people = rows.map((r) => ({ id: r.id, token: randomBytes(32).toString("base64url") }));
  await pool.query(`INSERT INTO sessions (token_hash, agent_id, expires_at) SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[])`, [
    people.map((p) => hashToken(p.token)),
    people.map((p) => p.id),
    people.map(() => new Date(Date.now() + SESSION_TTL_MS)),
  ]);
  return people;
}

export async function seedBoard(pool: pg.Pool, o: { agents: number; supervisors: number }): Promise<BoardSeed> {
  const queueIds: string[] = [];
  for (const name of BOARD_QUEUES) {
    const { rows } = await pool.query<{ id: string }>(`INSERT INTO queues (name) VALUES ($1) RETURNING id`, [name]);
    queueIds.push(rows[0]!.id);
  }
  const agents = await insertPeople(pool, "agent", o.agents);
  const supervisors = await insertPeople(pool, "supervisor", o.supervisors);
  // Supervisors watch; they take no work.
  await pool.query(`DELETE FROM queue_members WHERE agent_id = ANY($1::uuid[])`, [supervisors.map((s) => s.id)]);
  await pool.query(`ANALYZE`);
  return { queueIds, agents, supervisors };
}
