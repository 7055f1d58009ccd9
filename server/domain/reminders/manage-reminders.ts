// Reminders through Prisma: any agent sets one for themselves on a customer (or one of the customer's
// conversations), lists theirs, marks them done or cancels them; a supervisor or admin may do so for
// another agent. Each change and its audit row commit in one transaction; the firing job follows after.
import { REMINDER_MAX_AHEAD_MS, type CreateReminderBody, type MyRemindersResponse, type ReminderView } from "../../../shared/follow-ups.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { WorkQueues } from "../work-queues.ts";
import { REMINDER_INCLUDE, auditedReminder, reminderView, type ReminderRow } from "./reminder-view.ts";

export interface ReminderDeps {
  prisma: PrismaClient;
  queues: Pick<WorkQueues, "scheduleReminder" | "forgetReminder">;
  log?: Logger;
}

type Tx = Prisma.TransactionClient;

/** A list shows at most this many; the oldest due and the soonest upcoming first. */
const LIST_LIMIT = 200;

const noSuchReminder = () => new AppError("NOT_FOUND", "No such reminder");

async function recordAudit(tx: Tx, actorId: string, action: string, id: string, data: Record<string, unknown>): Promise<void> {
  await tx.auditEvent.create({ data: { actorId, action, entityType: "reminder", entityId: id, data: data as Prisma.InputJsonObject } });
}

/** Whose reminders the actor may change: their own, anyone's for a supervisor or admin. */
function assertMayChange(actor: Actor, ownerId: string): void {
  assertCan(actor, "reminder.write");
  if (ownerId !== actor.id) assertCan(actor, "reminder.others");
}

/** The dueAt of a new reminder, checked against this clock: in the future, within a year. */
function checkedDueAt(dueAt: string, now = Date.now()): Date {
  const at = new Date(dueAt);
  if (at.getTime() <= now) throw new AppError("VALIDATION", "dueAt: must be in the future", { field: "dueAt" });
  if (at.getTime() > now + REMINDER_MAX_AHEAD_MS) throw new AppError("VALIDATION", "dueAt: must be within a year", { field: "dueAt" });
  return at;
}

export async function createReminder(deps: ReminderDeps, actor: Actor, body: CreateReminderBody): Promise<ReminderView> {
  const ownerId = body.agentId ?? actor.id;
  assertMayChange(actor, ownerId);
  const dueAt = checkedDueAt(body.dueAt);
  const created = await deps.prisma.$transaction(async (tx) => {
    const customer = await tx.customer.findUnique({ where: { id: body.customerId }, select: { id: true } });
    if (!customer) throw new AppError("NOT_FOUND", "No such customer");
    if (body.conversationId) {
      const conversation = await tx.conversation.findUnique({ where: { id: body.conversationId }, select: { customerId: true } });
      if (!conversation || conversation.customerId !== body.customerId) {
        throw new AppError("VALIDATION", "conversationId: not a conversation of this customer", { field: "conversationId" });
      }
    }
    if (ownerId !== actor.id) {
      const owner = await tx.agent.findUnique({ where: { id: ownerId }, select: { deactivatedAt: true } });
      if (!owner || owner.deactivatedAt) throw new AppError("VALIDATION", "agentId: no such active agent", { field: "agentId" });
    }
    const row = await tx.reminder.create({
      data: { agentId: ownerId, customerId: body.customerId, conversationId: body.conversationId ?? null, dueAt, note: body.note },
      include: REMINDER_INCLUDE,
    });
    await recordAudit(tx, actor.id, "reminder_created", row.id, { after: auditedReminder(row) });
    return row;
  });
  try {
    await deps.queues.scheduleReminder(created.id, dueAt);
  } catch (err) {
    // Stored: the sweep makes its job (or fires it, if overdue) once Redis answers again.
    deps.log?.warn("reminder stored; its job waits for the sweep", { reminderId: created.id, err: (err as Error).message });
  }
  return reminderView(created);
}

export async function listMyReminders(deps: Pick<ReminderDeps, "prisma">, actor: Actor): Promise<MyRemindersResponse> {
  assertCan(actor, "reminder.write");
  const [due, upcoming] = await Promise.all([
    deps.prisma.reminder.findMany({
      where: { agentId: actor.id, doneAt: null, firedAt: { not: null } },
      include: REMINDER_INCLUDE,
      orderBy: [{ dueAt: "asc" }, { id: "asc" }],
      take: LIST_LIMIT,
    }),
    deps.prisma.reminder.findMany({
      where: { agentId: actor.id, doneAt: null, firedAt: null },
      include: REMINDER_INCLUDE,
      orderBy: [{ dueAt: "asc" }, { id: "asc" }],
      take: LIST_LIMIT,
    }),
  ]);
  return { due: due.map(reminderView), upcoming: upcoming.map(reminderView) };
}

/** A customer's open reminders, whoever owns them: every agent reads every customer. */
export async function customerReminders(deps: Pick<ReminderDeps, "prisma">, actor: Actor, customerId: string): Promise<ReminderView[]> {
  assertCan(actor, "conversation.read");
  const customer = await deps.prisma.customer.findUnique({ where: { id: customerId }, select: { id: true } });
  if (!customer) throw new AppError("NOT_FOUND", "No such customer");
  const rows = await deps.prisma.reminder.findMany({
    where: { customerId, doneAt: null },
    include: REMINDER_INCLUDE,
    orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    take: LIST_LIMIT,
  });
  return rows.map(reminderView);
}

/** Locks the reminder (two at once each see what the other did) and checks the actor may change it. */
async function lockedReminder(tx: Tx, actor: Actor, id: string): Promise<ReminderRow> {
  await tx.$executeRaw`SELECT 1 FROM reminders WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.reminder.findUnique({ where: { id }, include: REMINDER_INCLUDE });
  if (!row) throw noSuchReminder();
  assertMayChange(actor, row.agentId);
  return row;
}

async function forgetJob(deps: ReminderDeps, id: string): Promise<void> {
  // Only tidiness: a job left behind fires nothing (firing skips done and deleted reminders).
  await deps.queues.forgetReminder(id).catch((err: Error) => deps.log?.warn("could not remove a reminder's job", { reminderId: id, err: err.message }));
}

/** Done, due or not yet (a reminder done early never fires). Done again: unchanged. */
export async function markReminderDone(deps: ReminderDeps, actor: Actor, id: string): Promise<ReminderView> {
  const done = await deps.prisma.$transaction(async (tx) => {
    const row = await lockedReminder(tx, actor, id);
    if (row.doneAt) return row;
    const updated = await tx.reminder.update({ where: { id }, data: { doneAt: new Date() }, include: REMINDER_INCLUDE });
    await recordAudit(tx, actor.id, "reminder_done", id, { fired: row.firedAt !== null, reminder: auditedReminder(row) });
    return updated;
  });
  await forgetJob(deps, id);
  return reminderView(done);
}

/** Cancelled: gone from every list, never fires; the audit row keeps what it was. */
export async function cancelReminder(deps: ReminderDeps, actor: Actor, id: string): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    const row = await lockedReminder(tx, actor, id);
    await tx.reminder.delete({ where: { id } });
    await recordAudit(tx, actor.id, "reminder_cancelled", id, { before: auditedReminder(row), fired: row.firedAt !== null });
  });
  await forgetJob(deps, id);
}
