// A queue row as the admin API reads it, and the helpers its domain functions share.
import type pg from "pg";
import type { QueueView } from "../../../shared/queues.ts";
import { AppError } from "../../errors.ts";

export interface QueueRow {
  id: string;
  name: string;
  required_skills: string[];
  timezone: string;
  business_hours: QueueView["businessHours"];
  max_wait_seconds: number;
  is_default: boolean;
  overflow_queue_id: string | null;
  overflow_after_seconds: number | null;
  overflow_when_unstaffed: boolean;
  after_max_wait: QueueView["afterMaxWait"];
  email_acknowledgement: string | null;
}

export const QUEUE_COLUMNS = `id, name, required_skills, timezone, business_hours, max_wait_seconds, is_default,
  overflow_queue_id, overflow_after_seconds, overflow_when_unstaffed, after_max_wait, email_acknowledgement`;

export const queueView = (r: QueueRow): QueueView => ({
  id: r.id,
  name: r.name,
  requiredSkills: r.required_skills,
  timezone: r.timezone,
  businessHours: r.business_hours,
  maxWaitSeconds: r.max_wait_seconds,
  isDefault: r.is_default,
  overflowQueueId: r.overflow_queue_id,
  overflowAfterSeconds: r.overflow_after_seconds,
  overflowWhenUnstaffed: r.overflow_when_unstaffed,
  afterMaxWait: r.after_max_wait,
  emailAcknowledgement: r.email_acknowledgement,
});

/** A 400 VALIDATION naming the field, shaped like the issues parseInput reports for a bad body. */
export function invalidField(field: string, message: string): AppError {
  return new AppError("VALIDATION", `${field}: ${message}`, [{ code: "custom", path: field.split("."), message }]);
}

/** The queue (locked for the rest of the transaction with forUpdate), or NOT_FOUND. */
export async function queueRow(db: pg.PoolClient | pg.Pool, id: string, opts: { forUpdate?: boolean } = {}): Promise<QueueRow> {
  const { rows } = await db.query<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE id = $1 ${opts.forUpdate ? "FOR UPDATE" : ""}`, [id]);
  if (!rows[0]) throw new AppError("NOT_FOUND", "No such queue");
  return rows[0];
}

/** Each of these queue ids must name a queue, or the field is invalid (a 400, not a foreign-key 500). */
export async function assertQueuesExist(tx: pg.PoolClient, fields: Record<string, string | null | undefined>): Promise<void> {
  for (const [field, id] of Object.entries(fields)) {
    if (!id) continue;
    const { rowCount } = await tx.query(`SELECT 1 FROM queues WHERE id = $1`, [id]);
    if (!rowCount) throw invalidField(field, "no such queue");
  }
}

/**
 * Changes to the queues' shape (which is the default, who overflows to whom) take one lock, so two
 * admins at once cannot both pass the cycle check or race the one-default index into a 500.
 */
export async function lockQueueShape(tx: pg.PoolClient): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('switchboard:queue-shape', 0))`);
}

export const isUniqueViolation = (err: unknown, constraint?: string) =>
  (err as { code?: string }).code === "23505" && (!constraint || (err as { constraint?: string }).constraint === constraint);
