// First run: a demo workspace (an admin, a supervisor, two agents, one queue) so a newcomer can sign in.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../db/client.ts";
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

export async function seedDemoWorkspace(prisma: PrismaClient, opts: { publicUrl: string }): Promise<SeededWorkspace | null> {
  const logins: SeededLogin[] = [];
  for (const p of DEMO_PEOPLE) logins.push({ ...p, password: randomBytes(9).toString("base64url") });
  const hashes = await Promise.all(logins.map((l) => hashPassword(l.password)));
  return prisma.$transaction(async (tx) => {
    // Two processes starting at once must not both seed.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(727003)`;
    if ((await tx.agent.count()) > 0) return null;
    // The first queue is the default; its targets start at the built-in ones (platinum voice 20 s … email 4 h),
    // read from the database's own service_target_seconds() (raw only to call it: the due-time trigger does too).
    const queue = await tx.queue.create({ data: { name: "Support" }, select: { id: true } });
    await tx.$executeRaw`
      INSERT INTO service_targets (queue_id, tier, channel, seconds)
      SELECT ${queue.id}::uuid, t, c, service_target_seconds(${queue.id}::uuid, t, c) FROM unnest(enum_range(NULL::"CustomerTier")) t, unnest(enum_range(NULL::"Channel")) c`;
    for (const [i, l] of logins.entries()) {
      await tx.agent.create({ data: { email: l.email, name: l.name, passwordHash: hashes[i]!, role: DEMO_PEOPLE[i]!.role }, select: { id: true } });
    }
    const widget = await insertWidget(tx, { publicUrl: opts.publicUrl, actorId: null }, { name: "Demo site", allowedOrigins: [new URL(opts.publicUrl).origin] });
    return { logins, embedSnippet: widget.embedSnippet };
  });
}
