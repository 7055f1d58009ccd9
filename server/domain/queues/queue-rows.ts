// A queue as the admin API reads it (Prisma), and the helpers its domain functions share.
import type { QueueView } from "../../../shared/queues.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";

export type Tx = Prisma.TransactionClient;
export type QueueRow = Prisma.QueueGetPayload<object>;

export const queueView = (q: QueueRow): QueueView => ({
  id: q.id,
  name: q.name,
  requiredSkills: q.requiredSkills,
  timezone: q.timezone,
  businessHours: q.businessHours as QueueView["businessHours"],
  maxWaitSeconds: q.maxWaitSeconds,
  waitingAlertSeconds: q.waitingAlertSeconds,
  isDefault: q.isDefault,
  overflowQueueId: q.overflowQueueId,
  overflowAfterSeconds: q.overflowAfterSeconds,
  overflowWhenUnstaffed: q.overflowWhenUnstaffed,
  afterMaxWait: q.afterMaxWait as QueueView["afterMaxWait"],
  emailAcknowledgement: q.emailAcknowledgement,
});

/** A 400 VALIDATION naming the field, shaped like the issues parseInput reports for a bad body. */
export function invalidField(field: string, message: string): AppError {
  return new AppError("VALIDATION", `${field}: ${message}`, [{ code: "custom", path: field.split("."), message }]);
}

/** The queue (locked for the rest of the transaction with forUpdate), or NOT_FOUND. */
export async function queueRow(db: PrismaClient | Tx, id: string, opts: { forUpdate?: boolean } = {}): Promise<QueueRow> {
  if (opts.forUpdate) await db.$executeRaw`SELECT 1 FROM queues WHERE id = ${id}::uuid FOR UPDATE`;
  const queue = await db.queue.findUnique({ where: { id } });
  if (!queue) throw new AppError("NOT_FOUND", "No such queue");
  return queue;
}

/** Each of these queue ids must name a queue, or the field is invalid (a 400, not a foreign-key 500). */
export async function assertQueuesExist(tx: Tx, fields: Record<string, string | null | undefined>): Promise<void> {
  for (const [field, id] of Object.entries(fields)) {
    if (!id) continue;
    if (!(await tx.queue.findUnique({ where: { id }, select: { id: true } }))) throw invalidField(field, "no such queue");
  }
}

/**
 * Changes to the queues' shape (which is the default, who overflows to whom) take one lock, so two
 * admins at once cannot both pass the cycle check or race the one-default index into a 500.
 */
export async function lockQueueShape(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('switchboard:queue-shape', 0))`;
}

/** A unique index refused the write (Prisma's P2002). */
export const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === "P2002";
