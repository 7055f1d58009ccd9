// Queues: listed for everyone (an agent sends a call to another queue by name); created, changed and
// deleted by admins, each change audited with before and after in its own transaction.
import type { CreateQueueBody, QueueView, UpdateQueueBody } from "../../../shared/queues.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { assertQueuesExist, invalidField, isUniqueViolation, lockQueueShape, queueRow, queueView, type QueueRow, type Tx } from "./queue-rows.ts";

/** The fields given, as Prisma data (absent fields are left alone; null clears). isDefault goes through makeDefault. */
function fieldsOf(body: UpdateQueueBody) {
  const { isDefault: _separately, ...fields } = body;
  return fields;
}

const duplicateName = (name: string | undefined) => new AppError("CONFLICT", `A queue named "${name}" exists already`, { field: "name" });

export async function listQueues(deps: { prisma: PrismaClient }, actor: Actor): Promise<QueueView[]> {
  assertCan(actor, "queues.read");
  const queues = await deps.prisma.queue.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return queues.map(queueView);
}

export async function getQueue(deps: { prisma: PrismaClient }, actor: Actor, id: string): Promise<QueueView> {
  assertCan(actor, "queues.read");
  return queueView(await queueRow(deps.prisma, id));
}

/** A new queue starts without members (unless it is the install's first, which takes every agent). */
export async function createQueue(deps: { prisma: PrismaClient }, actor: Actor, body: CreateQueueBody): Promise<QueueView> {
  assertCan(actor, "queues.manage");
  return catchDuplicateName(body.name, () => deps.prisma.$transaction(async (tx) => {
    await lockQueueShape(tx);
    // A new queue has nothing overflowing to it yet, so its own overflow cannot close a circle.
    await assertQueuesExist(tx, { overflowQueueId: body.overflowQueueId });
    const { id } = await tx.queue.create({ data: { ...fieldsOf(body), name: body.name }, select: { id: true } });
    if (body.isDefault) await makeDefault(tx, id);
    const created = await queueRow(tx, id);
    assertOverflowComplete(created);
    await recordPrismaAudit(tx, { actorId: actor.id, action: "queue_created", entityType: "queue", entityId: id, data: { after: queueView(created) } });
    return queueView(created);
  }));
}

/** An admin changes a queue: only the fields given; before and after of what changed are audited. */
export async function updateQueue(deps: { prisma: PrismaClient }, actor: Actor, id: string, body: UpdateQueueBody): Promise<QueueView> {
  assertCan(actor, "queues.manage");
  return catchDuplicateName(body.name, () => deps.prisma.$transaction(async (tx) => {
    await lockQueueShape(tx);
    const before = await queueRow(tx, id, { forUpdate: true });
    if (body.isDefault === false && before.isDefault) {
      throw invalidField("isDefault", "there is always a default queue: make another queue the default instead");
    }
    if (body.overflowQueueId) await assertNoOverflowCycle(tx, id, body.overflowQueueId);
    const fields = fieldsOf(body);
    if (Object.values(fields).some((v) => v !== undefined)) await tx.queue.update({ where: { id }, data: fields, select: { id: true } });
    if (body.isDefault && !before.isDefault) await makeDefault(tx, id);
    const after = await queueRow(tx, id);
    const touchesOverflow = body.overflowQueueId !== undefined || body.overflowAfterSeconds !== undefined || body.overflowWhenUnstaffed !== undefined;
    if (touchesOverflow) assertOverflowComplete(after);
    const old = queueView(before);
    const updated = queueView(after);
    const changed = (Object.keys(updated) as (keyof QueueView)[]).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(updated[k]));
    if (changed.length) {
      await recordPrismaAudit(tx, {
        actorId: actor.id,
        action: "queue_updated",
        entityType: "queue",
        entityId: id,
        data: { before: Object.fromEntries(changed.map((k) => [k, old[k]])), after: Object.fromEntries(changed.map((k) => [k, updated[k]])) },
      });
    }
    return updated;
  }));
}

/**
 * Deletes a queue no conversation ever waited in. conversations.queue_id keeps its history (no ON DELETE),
 * so a queue with any conversation, open or resolved, stays (rename it or take its entry points away
 * instead); numbers and widgets that named it, and queues that overflowed to it, fall back to none.
 */
export async function deleteQueue(deps: { prisma: PrismaClient }, actor: Actor, id: string): Promise<void> {
  assertCan(actor, "queues.manage");
  await deps.prisma.$transaction(async (tx) => {
    await lockQueueShape(tx);
    const queue = await queueRow(tx, id, { forUpdate: true });
    if (queue.isDefault) throw new AppError("CONFLICT", "The default queue cannot be deleted: make another queue the default first", { reason: "default" });
    const open = await tx.conversation.count({ where: { queueId: id, status: { not: "resolved" } } });
    const total = await tx.conversation.count({ where: { queueId: id } });
    if (total > 0) {
      throw new AppError(
        "CONFLICT",
        open > 0 ? `${open} conversation(s) are still open in this queue` : "Conversations in this queue's history still refer to it",
        { reason: open > 0 ? "open_conversations" : "conversation_history", openConversations: open, conversations: total },
      );
    }
    const numbers = await tx.phoneNumber.findMany({ where: { OR: [{ smsQueueId: id }, { voiceQueueId: id }] }, select: { number: true } });
    const widgets = await tx.chatWidget.findMany({ where: { queueId: id }, select: { publicKey: true } });
    const overflowFrom = await tx.queue.findMany({ where: { overflowQueueId: id }, select: { id: true } });
    // As array_agg gave them: null when there are none.
    const listed = (values: string[]) => (values.length ? values : null);
    await tx.queue.delete({ where: { id } });
    await recordPrismaAudit(tx, {
      actorId: actor.id,
      action: "queue_deleted",
      entityType: "queue",
      entityId: id,
      data: {
        before: queueView(queue),
        detached: { numbers: listed(numbers.map((n) => n.number)), widgets: listed(widgets.map((w) => w.publicKey)), overflowFrom: listed(overflowFrom.map((q) => q.id)) },
      },
    });
  });
}

/** The previous default stops being it first: a partial unique index allows only one. */
async function makeDefault(tx: Tx, id: string): Promise<void> {
  await tx.queue.updateMany({ where: { isDefault: true, id: { not: id } }, data: { isDefault: false } });
  await tx.queue.update({ where: { id }, data: { isDefault: true }, select: { id: true } });
}

/** Overflow must lead somewhere else that exists, and following overflows must never come back here. */
async function assertNoOverflowCycle(tx: Tx, id: string, target: string): Promise<void> {
  if (target === id) throw invalidField("overflowQueueId", "a queue cannot overflow to itself");
  await assertQueuesExist(tx, { overflowQueueId: target });
  // Walk the chain from the target; the seen set ends the walk even over a circle made before this check existed.
  const seen = new Set<string>();
  for (let at: string | null = target; at && !seen.has(at); ) {
    if (at === id) throw invalidField("overflowQueueId", "this would make overflow go round in a circle back to this queue");
    seen.add(at);
    at = (await tx.queue.findUnique({ where: { id: at }, select: { overflowQueueId: true } }))?.overflowQueueId ?? null;
  }
}

/** A taken name is a 409 naming the field (the unique index decides, so two at once cannot both win). */
async function catchDuplicateName<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw isUniqueViolation(err) ? duplicateName(name) : err;
  }
}

function assertOverflowComplete(q: QueueRow): void {
  if (!q.overflowQueueId && (q.overflowAfterSeconds !== null || q.overflowWhenUnstaffed)) {
    throw invalidField("overflowQueueId", "an overflow by time or when nobody is signed in needs a queue to overflow to");
  }
}
