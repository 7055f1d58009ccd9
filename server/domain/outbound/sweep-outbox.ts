// Postgres is the record, Redis carries work: outbound messages still `queued` whose send job Redis
// lost (a restart) or never got (the enqueue after the commit failed) get it again, under the message's
// own job id so nothing is queued twice; each failing channel gets one probe with its oldest held send.
import type pg from "pg";
import type { WorkQueues } from "../work-queues.ts";

export interface OutboxSweepResult {
  resent: number;
  probes: number;
}

/** Younger messages are still on their normal path (the enqueue right after the commit). */
const GRACE_SECONDS = 10;

export async function sweepOutbox(deps: { pool: pg.Pool; queues: WorkQueues }, opts: { limit?: number } = {}): Promise<OutboxSweepResult> {
  const stuck = await deps.pool.query<{ id: string }>(
    `SELECT m.id FROM messages m
      WHERE m.direction = 'outbound' AND m.status = 'queued'
        AND m.created_at < now() - make_interval(secs => $2)
        AND (m.send_lease_until IS NULL OR m.send_lease_until < now())
        AND NOT EXISTS (SELECT 1 FROM channel_health h WHERE h.channel = m.channel AND h.status = 'failing')
      ORDER BY m.created_at LIMIT $1`,
    [opts.limit ?? 500, GRACE_SECONDS],
  );
  await deps.queues.resendMessages(stuck.rows.map((r) => r.id));

  const probes = await deps.pool.query<{ id: string }>(
    `SELECT DISTINCT ON (m.channel) m.id FROM messages m
       JOIN channel_health h ON h.channel = m.channel AND h.status = 'failing'
      WHERE m.direction = 'outbound' AND m.status = 'queued'
      ORDER BY m.channel, m.created_at`,
  );
  for (const p of probes.rows) await deps.queues.probeChannel(p.id);
  return { resent: stuck.rows.length, probes: probes.rows.length };
}
