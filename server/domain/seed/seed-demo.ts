// First run: a demo workspace (an admin, a supervisor, two agents, one queue) so a newcomer can sign in.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { withTransaction } from "../../db/client.ts";
import { hashPassword } from "../auth/sessions.ts";
import { insertWidget } from "../chat/manage-widgets.ts";

export interface SeededLogin {
  role: string;
  name: string;
  email: string;
  password: string;
}

const DEMO_PEOPLE = [
  { role: "admin", name: "Ada Admin", email: "admin@switchboard.local" },
  { role: "supervisor", name: "Sam Supervisor", email: "supervisor@switchboard.local" },
  { role: "agent", name: "Alex Agent", email: "alex@switchboard.local" },
  { role: "agent", name: "Blake Agent", email: "blake@switchboard.local" },
] as const;

/** Seeds only an empty database; returns the logins to print once, or null when people already exist. */
export interface SeededWorkspace {
  logins: SeededLogin[];
  /** The line to paste into a site (the demo widget allows the workspace's own origin). */
  embedSnippet: string;
}

export async function seedDemoWorkspace(pool: pg.Pool, opts: { publicUrl: string }): Promise<SeededWorkspace | null> {
  const logins: SeededLogin[] = [];
  for (const p of DEMO_PEOPLE) logins.push({ ...p, password: randomBytes(9).toString("base64url") });
  const hashes = await Promise.all(logins.map((l) => hashPassword(l.password)));
  return withTransaction(pool, async (tx) => {
    // Two processes starting at once must not both seed.
    await tx.query("SELECT pg_advisory_xact_lock(727003)");
    const { rows } = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM agents");
    if (rows[0]!.n > 0) return null;
    // The first queue is the default; its targets start at the built-in ones (platinum voice 20 s … email 4 h).
    const queue = await tx.query<{ id: string }>(`INSERT INTO queues (name) VALUES ('Support') RETURNING id`);
    await tx.query(
      `INSERT INTO service_targets (queue_id, tier, channel, seconds)
       SELECT $1, t, c, service_target_seconds($1, t, c) FROM unnest(enum_range(NULL::"CustomerTier")) t, unnest(enum_range(NULL::"Channel")) c`,
      [queue.rows[0]!.id],
    );
    for (const [i, l] of logins.entries()) {
      await tx.query(`INSERT INTO agents (email, name, password_hash, role) VALUES ($1, $2, $3, $4)`, [l.email, l.name, hashes[i], l.role]);
    }
    const widget = await insertWidget(tx, { publicUrl: opts.publicUrl, actorId: null }, { name: "Demo site", allowedOrigins: [new URL(opts.publicUrl).origin] });
    return { logins, embedSnippet: widget.embedSnippet };
  });
}
