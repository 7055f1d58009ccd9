// A reminder fires once: one UPDATE marks it fired only if it is due, not fired and not done, so a job
// run twice (a retry, a worker that died after the commit, the sweep beside the job) fires nothing more.
// Its owner is then told live wherever they are signed in. The sweep re-derives from Postgres what
// Redis carries: the jobs of reminders due soon, and the firing of those whose job was lost.
import type { PrismaClient } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import type { WorkQueues } from "../work-queues.ts";
import { REMINDER_INCLUDE, reminderView } from "./reminder-view.ts";

export interface FireReminderDeps {
  prisma: PrismaClient;
  events: EventPublisher;
}

export type FireOutcome =
  | { outcome: "fired" }
  /** Its job ran before its time by the database's clock: try again later. */
  | { outcome: "not_due"; at: Date }
  /** Fired already, done, or cancelled: nothing to do. */
  | { outcome: "nothing" };

export async function fireReminder(deps: FireReminderDeps, reminderId: string): Promise<FireOutcome> {
  const fired = await deps.prisma.$queryRaw<{ id: string }[]>`
    UPDATE reminders SET fired_at = now()
     WHERE id = ${reminderId}::uuid AND fired_at IS NULL AND done_at IS NULL AND due_at <= now()
    RETURNING id`;
  if (!fired[0]) {
    const pending = await deps.prisma.reminder.findFirst({ where: { id: reminderId, firedAt: null, doneAt: null }, select: { dueAt: true } });
    return pending ? { outcome: "not_due", at: pending.dueAt } : { outcome: "nothing" };
  }
  // Fired (committed): from here a failure loses only the live toast; the due list reads Postgres.
  const row = await deps.prisma.reminder.findUnique({ where: { id: reminderId }, include: REMINDER_INCLUDE });
  if (row) {
    const reminder = reminderView(row);
    const who = reminder.customer.displayName ?? "a customer";
    await deps.events.publish({
      type: "agent.notice",
      agentId: reminder.agent.id,
      notice: { kind: "reminder_due", message: `Reminder for ${who}: ${reminder.note}`, conversationId: reminder.openConversationId, at: reminder.firedAt!, reminder },
    });
  }
  return { outcome: "fired" };
}

export interface SweepRemindersDeps extends FireReminderDeps {
  queues: Pick<WorkQueues, "scheduleReminder">;
}

/** Left to the delayed job before the sweep fires a reminder itself. */
const GRACE_SECONDS = 5;
/** Reminders due within this get their job (again) each sweep; later ones get theirs as they come near. */
const HORIZON_SECONDS = 3600;

export interface SweepRemindersResult {
  fired: number;
  scheduled: number;
}

export async function sweepReminders(
  deps: SweepRemindersDeps,
  opts: { limit?: number; graceSeconds?: number } = {},
): Promise<SweepRemindersResult> {
  const limit = opts.limit ?? 500;
  const grace = opts.graceSeconds ?? GRACE_SECONDS;
  const overdue = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT id FROM reminders WHERE fired_at IS NULL AND done_at IS NULL AND due_at < now() - make_interval(secs => ${grace}::float8)
     ORDER BY due_at LIMIT ${limit}::int`;
  let fired = 0;
  for (const r of overdue) if ((await fireReminder(deps, r.id)).outcome === "fired") fired++;
  // A job that exists already is left as it is (the job id is the reminder's): this only re-creates lost ones.
  const soon = await deps.prisma.$queryRaw<{ id: string; due_at: Date }[]>`
    SELECT id, due_at FROM reminders WHERE fired_at IS NULL AND done_at IS NULL
       AND due_at >= now() - make_interval(secs => ${grace}::float8) AND due_at < now() + make_interval(secs => ${HORIZON_SECONDS}::float8)
     ORDER BY due_at LIMIT ${limit}::int`;
  for (const r of soon) await deps.queues.scheduleReminder(r.id, r.due_at);
  return { fired, scheduled: soon.length };
}
