// A queue's service targets: seconds to answer per customer tier and channel. A tier and channel without
// a row of its own gets the built-in default of SQL service_target_seconds(), the same function the
// due-time trigger reads, so what this shows is what a waiting conversation is held to.
import type pg from "pg";
import type { PutServiceTargetsBody, ServiceTargetView } from "../../../shared/queues.ts";
import { withTransaction } from "../../db/client.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { queueRow } from "./queue-rows.ts";

/** All twelve (3 tiers × 4 channels), each with whether the queue sets it or the default applies. */
async function effectiveTargets(db: pg.Pool | pg.PoolClient, queueId: string): Promise<ServiceTargetView[]> {
  const { rows } = await db.query<ServiceTargetView>(
    `SELECT t AS tier, c AS channel, service_target_seconds($1, t, c) AS seconds,
            CASE WHEN EXISTS (SELECT 1 FROM service_targets s WHERE s.queue_id = $1 AND s.tier = t AND s.channel = c)
                 THEN 'set' ELSE 'default' END AS source
       FROM unnest(enum_range(NULL::"CustomerTier")) t, unnest(enum_range(NULL::"Channel")) c
      ORDER BY t, c`,
    [queueId],
  );
  return rows;
}

export async function listServiceTargets(deps: { pool: pg.Pool }, actor: Actor, queueId: string): Promise<ServiceTargetView[]> {
  assertCan(actor, "queue_setup.read");
  await queueRow(deps.pool, queueId);
  return effectiveTargets(deps.pool, queueId);
}

/**
 * Replaces the targets the queue sets (those not listed go back to the default). Conversations already
 * waiting keep the due time they were given; the next wait in this queue is held to the new target.
 */
export async function putServiceTargets(deps: { pool: pg.Pool }, actor: Actor, queueId: string, body: PutServiceTargetsBody): Promise<ServiceTargetView[]> {
  assertCan(actor, "queues.manage");
  return withTransaction(deps.pool, async (tx) => {
    await queueRow(tx, queueId, { forUpdate: true });
    const before = await effectiveTargets(tx, queueId);
    await tx.query(`DELETE FROM service_targets WHERE queue_id = $1`, [queueId]);
    await tx.query(
      `INSERT INTO service_targets (queue_id, tier, channel, seconds)
       SELECT $1, t.tier, t.channel, t.seconds FROM unnest($2::"CustomerTier"[], $3::"Channel"[], $4::int[]) AS t(tier, channel, seconds)`,
      [queueId, body.targets.map((t) => t.tier), body.targets.map((t) => t.channel), body.targets.map((t) => t.seconds)],
    );
    const after = await effectiveTargets(tx, queueId);
    const set = (ts: ServiceTargetView[]) => ts.filter((t) => t.source === "set").map(({ tier, channel, seconds }) => ({ tier, channel, seconds }));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "service_targets_replaced",
      entityType: "queue",
      entityId: queueId,
      data: { before: set(before), after: set(after) },
    });
    return after;
  });
}
