// A queue's service targets: seconds to answer per customer tier and channel. A tier and channel without
// a row of its own gets the built-in default of SQL service_target_seconds(), the same function the
// due-time trigger reads, so what this shows is what a waiting conversation is held to.
import type { PutServiceTargetsBody, ServiceTargetView } from "../../../shared/queues.ts";
import type { PrismaClient } from "../../db/client.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { queueRow, type Tx } from "./queue-rows.ts";

/** All twelve (3 tiers × 4 channels), each with whether the queue sets it or the default applies. */
async function effectiveTargets(db: PrismaClient | Tx, queueId: string): Promise<ServiceTargetView[]> {
  // Raw only to call the database's own service_target_seconds(), which the due-time trigger uses too:
  // a copy of its defaults here could drift from what conversations are really held to.
  return db.$queryRaw<ServiceTargetView[]>`
    SELECT t::text AS tier, c::text AS channel, service_target_seconds(${queueId}::uuid, t, c)::int AS seconds,
           CASE WHEN EXISTS (SELECT 1 FROM service_targets s WHERE s.queue_id = ${queueId}::uuid AND s.tier = t AND s.channel = c)
                THEN 'set' ELSE 'default' END AS source
      FROM unnest(enum_range(NULL::"CustomerTier")) t, unnest(enum_range(NULL::"Channel")) c
     ORDER BY t, c`;
}

export async function listServiceTargets(deps: { prisma: PrismaClient }, actor: Actor, queueId: string): Promise<ServiceTargetView[]> {
  assertCan(actor, "queue_setup.read");
  await queueRow(deps.prisma, queueId);
  return effectiveTargets(deps.prisma, queueId);
}

/**
 * Replaces the targets the queue sets (those not listed go back to the default). Conversations already
 * waiting keep the due time they were given; the next wait in this queue is held to the new target.
 */
export async function putServiceTargets(deps: { prisma: PrismaClient }, actor: Actor, queueId: string, body: PutServiceTargetsBody): Promise<ServiceTargetView[]> {
  assertCan(actor, "queues.manage");
  return deps.prisma.$transaction(async (tx) => {
    await queueRow(tx, queueId, { forUpdate: true });
    const before = await effectiveTargets(tx, queueId);
    await tx.serviceTarget.deleteMany({ where: { queueId } });
    await tx.serviceTarget.createMany({ data: body.targets.map((t) => ({ queueId, tier: t.tier, channel: t.channel, seconds: t.seconds })) });
    const after = await effectiveTargets(tx, queueId);
    const set = (ts: ServiceTargetView[]) => ts.filter((t) => t.source === "set").map(({ tier, channel, seconds }) => ({ tier, channel, seconds }));
    await recordPrismaAudit(tx, {
      actorId: actor.id,
      action: "service_targets_replaced",
      entityType: "queue",
      entityId: queueId,
      data: { before: set(before), after: set(after) },
    });
    return after;
  });
}
