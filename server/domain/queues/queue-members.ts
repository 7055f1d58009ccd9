// Who serves a queue, each agent with a level in it: supervisors read, admins replace the whole set.
import type { PutQueueMembersBody, QueueMemberView } from "../../../shared/queues.ts";
import type { PrismaClient } from "../../db/client.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { invalidField, queueRow, type Tx } from "./queue-rows.ts";

async function membersOf(db: PrismaClient | Tx, queueId: string): Promise<QueueMemberView[]> {
  const members = await db.queueMember.findMany({
    where: { queueId },
    select: { agentId: true, level: true, agent: { select: { name: true } } },
    orderBy: [{ level: "desc" }, { agent: { name: "asc" } }, { agentId: "asc" }],
  });
  return members.map((m) => ({ agentId: m.agentId, name: m.agent.name, level: m.level }));
}

export async function listQueueMembers(deps: { prisma: PrismaClient }, actor: Actor, queueId: string): Promise<QueueMemberView[]> {
  assertCan(actor, "queue_setup.read");
  await queueRow(deps.prisma, queueId);
  return membersOf(deps.prisma, queueId);
}

/** Replaces the queue's members in one transaction; the audit row holds the set before and after. */
export async function putQueueMembers(deps: { prisma: PrismaClient }, actor: Actor, queueId: string, body: PutQueueMembersBody): Promise<QueueMemberView[]> {
  assertCan(actor, "queues.manage");
  return deps.prisma.$transaction(async (tx) => {
    // Locks the queue: two replacements of one queue's members run one after the other.
    await queueRow(tx, queueId, { forUpdate: true });
    const agentIds = body.members.map((m) => m.agentId);
    const known = await tx.agent.findMany({ where: { id: { in: agentIds } }, select: { id: true } });
    const knownIds = new Set(known.map((r) => r.id));
    const unknown = agentIds.findIndex((id) => !knownIds.has(id));
    if (unknown >= 0) throw invalidField(`members.${unknown}.agentId`, "no such agent");

    const before = await membersOf(tx, queueId);
    await tx.queueMember.deleteMany({ where: { queueId, agentId: { notIn: agentIds } } });
    // Members who stay keep their row (and when they joined); only their level changes. One statement
    // per level (at most 10) and one for the newcomers, however many members.
    const byLevel = new Map<number, string[]>();
    for (const m of body.members) byLevel.set(m.level, [...(byLevel.get(m.level) ?? []), m.agentId]);
    for (const [level, ids] of byLevel) await tx.queueMember.updateMany({ where: { queueId, agentId: { in: ids } }, data: { level } });
    await tx.queueMember.createMany({ data: body.members.map((m) => ({ queueId, agentId: m.agentId, level: m.level })), skipDuplicates: true });
    const after = await membersOf(tx, queueId);
    const brief = (ms: QueueMemberView[]) => ms.map(({ agentId, level }) => ({ agentId, level }));
    await recordPrismaAudit(tx, {
      actorId: actor.id,
      action: "queue_members_replaced",
      entityType: "queue",
      entityId: queueId,
      data: { before: brief(before), after: brief(after) },
    });
    return after;
  });
}
