// Postgres is the record, Redis carries work: this re-derives lost jobs from the database, so a Redis
// restart or failover delays routing but never loses it (shared/DESIGN.md invariants 1 and 7).
import { endWrapUp } from "../voice/wrap-up.ts";
import { closeOffer } from "./answer-offer.ts";
import type { RoutingDeps } from "./match.ts";

export interface SweepDeps extends RoutingDeps {
  /** How long a wrap-up lasts: one older than this (plus grace) lost its end job. */
  wrapUpMs: number;
}

export interface SweepResult {
  expiredOffers: number;
  endedWrapUps: number;
  requeued: number;
}

/** Left to the normal path (the delayed job) before the sweep steps in. */
const GRACE_SECONDS = 5;

export async function sweepRouting(deps: SweepDeps, opts: { limit?: number } = {}): Promise<SweepResult> {
  const limit = opts.limit ?? 500;
  // Offers whose timeout job was lost.
  const expired = await deps.pool.query<{ id: string }>(
    `SELECT id FROM offers WHERE status = 'pending' AND expires_at < now() - make_interval(secs => $2) ORDER BY expires_at LIMIT $1`,
    [limit, GRACE_SECONDS],
  );
  let expiredOffers = 0;
  for (const o of expired.rows) if (await closeOffer(deps, { offerId: o.id, status: "timed_out" })) expiredOffers++;

  // Wrap-ups whose end job was lost: the agents table says when each began.
  const wrapUps = await deps.pool.query<{ id: string }>(
    `SELECT id FROM agents WHERE presence = 'wrap_up'
        AND presence_changed_at < now() - make_interval(secs => $2::float / 1000 + $3) ORDER BY presence_changed_at LIMIT $1`,
    [limit, deps.wrapUpMs, GRACE_SECONDS],
  );
  for (const a of wrapUps.rows) await endWrapUp(deps, a.id);

  const waiting = await deps.pool.query<{ id: string; priority: number }>(
    `SELECT id, priority FROM conversations WHERE status = 'queued' ORDER BY priority, waiting_since LIMIT $1`,
    [limit],
  );
  for (const c of waiting.rows) await deps.queues.routeConversation(c.id, c.priority);
  return { expiredOffers, endedWrapUps: wrapUps.rows.length, requeued: waiting.rows.length };
}
