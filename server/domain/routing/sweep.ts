// Postgres is the record, Redis carries work: this re-derives lost jobs from the database, so a Redis
// restart or failover delays routing but never loses it (shared/DESIGN.md invariant 1).
import { closeOffer } from "./answer-offer.ts";
import type { RoutingDeps } from "./match.ts";

export interface SweepResult {
  expiredOffers: number;
  requeued: number;
}

export async function sweepRouting(deps: RoutingDeps, opts: { limit?: number } = {}): Promise<SweepResult> {
  const limit = opts.limit ?? 500;
  // Offers whose timeout job was lost: a grace of a few seconds leaves the normal path to the job.
  const expired = await deps.pool.query<{ id: string }>(
    `SELECT id FROM offers WHERE status = 'pending' AND expires_at < now() - interval '5 seconds' ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  let expiredOffers = 0;
  for (const o of expired.rows) if (await closeOffer(deps, { offerId: o.id, status: "timed_out" })) expiredOffers++;

  const waiting = await deps.pool.query<{ id: string; priority: number }>(
    `SELECT id, priority FROM conversations WHERE status = 'queued' ORDER BY priority, waiting_since LIMIT $1`,
    [limit],
  );
  for (const c of waiting.rows) await deps.queues.routeConversation(c.id, c.priority);
  return { expiredOffers, requeued: waiting.rows.length };
}
