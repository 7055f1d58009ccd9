// The routing benchmark's contact center, written straight into sb_bench through the product's tables (and
// so through its triggers: agent_loads rows for each agent, due times for each wait, load counts for each
// assignment): 10 queues with required skills, agents in 1 to 3 queues each with a level, varied skills,
// capacities and current loads, customers of every tier, and a session per agent created as login() does
// (a random token; its SHA-256 stored in `sessions`), without hashing a password per agent.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { Channel, CustomerTier } from "../shared/domain.ts";
import { hashToken, SESSION_TTL_MS } from "../server/domain/auth/sessions.ts";

/** The queues: name and the skills a member needs. The first is the default (the catch-all). */
export const BENCH_QUEUES: { name: string; skills: string[] }[] = [
  { name: "General", skills: [] },
  { name: "Sales EN", skills: ["sales", "en"] },
  { name: "Sales ES", skills: ["sales", "es"] },
  { name: "Support EN", skills: ["support", "en"] },
  { name: "Support ES", skills: ["support", "es"] },
  { name: "Billing", skills: ["billing", "en"] },
  { name: "Tech", skills: ["tech", "en"] },
  { name: "Tech DE", skills: ["tech", "de"] },
  { name: "VIP", skills: ["vip", "en"] },
  { name: "Returns", skills: ["returns", "en"] },
];
const EXTRA_SKILLS = ["fr", "it", "escalations", "refunds", "b2b"];

/** The channels conversations arrive on, with their share (voice needs a softphone: left out). */
export const BENCH_CHANNELS: { channel: Channel; share: number }[] = [
  { channel: "chat", share: 0.5 },
  { channel: "sms", share: 0.3 },
  { channel: "email", share: 0.2 },
];

export interface SeededAgent {
  id: string;
  /** The session cookie's value (the secret token; only its hash is stored). */
  token: string;
  queues: number[];
}

export interface Seed {
  queueIds: string[];
  queueSkills: string[][];
  /** In sign-in order: agent k's first queue is k mod 10, so any 10 consecutive agents staff every queue. */
  agents: SeededAgent[];
  customers: { id: string; tier: CustomerTier }[];
  /** Conversations already assigned before the run (the agents' current loads). */
  preassigned: number;
  /** Sum over agents of capacity on the benchmark's channels, and of the load already on them. */
  capacity: number;
  load: number;
}

/** The SMS benchmark's deterministic PRNG: every run seeds the same center and offers the same traffic. */
export { prng } from "./sms-ingest.ts";

const between = (random: () => number, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

export async function seedContactCenter(pool: pg.Pool, o: { agents: number; customers: number; random: () => number }): Promise<Seed> {
  const { random } = o;
  const queueIds: string[] = [];
  for (const q of BENCH_QUEUES) {
    const { rows } = await pool.query<{ id: string }>(`INSERT INTO queues (name, required_skills) VALUES ($1, $2) RETURNING id`, [q.name, q.skills]);
    queueIds.push(rows[0]!.id);
  }

  // Agents: one statement; the agents_create_loads trigger gives each its agent_loads rows.
  const memberships: number[][] = [];
  const skills: string[] = [];
  const caps: number[][] = [];
  for (let k = 0; k < o.agents; k++) {
    const qs = new Set([k % BENCH_QUEUES.length]);
    const more = between(random, 0, 2);
    while (qs.size < 1 + more) qs.add(between(random, 0, BENCH_QUEUES.length - 1));
    memberships.push([...qs]);
    const s = new Set([...qs].flatMap((q) => BENCH_QUEUES[q]!.skills));
    if (random() < 0.4) s.add(EXTRA_SKILLS[between(random, 0, EXTRA_SKILLS.length - 1)]!);
    // pg array literal of plain words: no quoting needed.
    skills.push(`{${[...s].join(",")}}`);
    caps.push([between(random, 1, 6), between(random, 2, 10), between(random, 3, 15)]);
  }
  const { rows: agentRows } = await pool.query<{ id: string; n: number }>(
    `INSERT INTO agents (email, name, password_hash, role, skills, presence, capacity_voice, capacity_chat, capacity_sms, capacity_email)
     SELECT 'bench-agent-' || n || '@example.test', 'Bench Agent ' || n, 'bench: no password sign-in', 'agent', s::text[], 'offline', 0, c, m, e
       FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::int[]) AS t(n, s, c, m, e)
     RETURNING id, split_part(split_part(email, '@', 1), '-', 3)::int AS n`,
    [memberships.map((_, k) => k), skills, caps.map((c) => c[0]), caps.map((c) => c[1]), caps.map((c) => c[2])],
  );
  const agentIds = new Array<string>(o.agents);
  for (const r of agentRows) agentIds[r.n] = r.id;

  // Membership: the triggers put everyone in the default queue; the benchmark's own membership replaces that.
  await pool.query(`DELETE FROM queue_members`);
  const mq: string[] = [];
  const ma: string[] = [];
  const ml: number[] = [];
  memberships.forEach((qs, k) =>
    qs.forEach((q) => {
      mq.push(queueIds[q]!);
      ma.push(agentIds[k]!);
      ml.push(between(random, 1, 10));
    }),
  );
  await pool.query(`INSERT INTO queue_members (queue_id, agent_id, level) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])`, [mq, ma, ml]);

  // Customers of every tier (set on the record).
  const tiers: CustomerTier[] = Array.from({ length: o.customers }, () => {
    const r = random();
    return r < 0.1 ? "platinum" : r < 0.3 ? "gold" : "standard";
  });
  const { rows: customerRows } = await pool.query<{ id: string; tier: CustomerTier }>(
    `INSERT INTO customers (display_name, tier, tier_source)
     SELECT 'Bench Customer ' || n, t::"CustomerTier", 'set' FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n) RETURNING id, tier`,
    [tiers],
  );

  // Current loads: up to half of each capacity already taken by assigned conversations (the trigger counts them).
  const pre = { customer: [] as string[], agent: [] as string[], channel: [] as string[], queue: [] as string[] };
  let capacity = 0;
  caps.forEach((c, k) =>
    BENCH_CHANNELS.forEach(({ channel }, i) => {
      capacity += c[i]!;
      const n = Math.floor(random() * (c[i]! / 2 + 0.5));
      for (let j = 0; j < n; j++) {
        pre.customer.push(customerRows[between(random, 0, customerRows.length - 1)]!.id);
        pre.agent.push(agentIds[k]!);
        pre.channel.push(channel);
        pre.queue.push(queueIds[memberships[k]![0]!]!);
      }
    }),
  );
  await pool.query(
    `INSERT INTO conversations (customer_id, channel, status, queue_id, assigned_agent_id, customer_address, last_message_at)
     SELECT c, ch::"Channel", 'assigned', q, a, 'bench-customer', now() - interval '10 minutes'
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[]) AS t(c, a, ch, q)`,
    [pre.customer, pre.agent, pre.channel, pre.queue],
  );
  const { rows: load } = await pool.query<{ n: number }>(`SELECT COALESCE(sum(assigned + offered), 0)::int AS n FROM agent_loads`);

  // Sessions as login() makes them: a random token for the cookie, its hash in the table.
  const tokens = agentIds.map(() => randomBytes(32).toString("base64url"));
  await pool.query(`INSERT INTO sessions (token_hash, agent_id, expires_at) SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[])`, [
    tokens.map(hashToken),
    agentIds,
    agentIds.map(() => new Date(Date.now() + SESSION_TTL_MS)),
  ]);
  await pool.query(`ANALYZE`);
  return {
    queueIds,
    queueSkills: BENCH_QUEUES.map((q) => q.skills),
    agents: agentIds.map((id, k) => ({ id, token: tokens[k]!, queues: memberships[k]! })),
    customers: customerRows,
    preassigned: pre.agent.length,
    capacity,
    load: load[0]!.n,
  };
}

/** Signs the first `count` agents in (presence available, as presence:set does); the rest stay offline. */
export async function setSignedIn(pool: pg.Pool, seed: Seed, count: number): Promise<void> {
  const ids = seed.agents.slice(0, count).map((a) => a.id);
  await pool.query(`UPDATE agents SET presence = CASE WHEN id = ANY($1::uuid[]) THEN 'available' ELSE 'offline' END::"Presence", presence_changed_at = now()
                     WHERE presence <> CASE WHEN id = ANY($1::uuid[]) THEN 'available' ELSE 'offline' END::"Presence"`, [ids]);
  // As autovacuum would soon: the planner then knows how many are available.
  await pool.query(`ANALYZE agents, agent_loads, queue_members`);
}
