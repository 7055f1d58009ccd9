// Queues: listed for everyone, opening hours and waiting limits set by admins.
import type pg from "pg";
import type { QueueView, UpdateQueueBody } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

interface QueueRow {
  id: string;
  name: string;
  required_skills: string[];
  timezone: string;
  business_hours: QueueView["businessHours"];
  max_wait_seconds: number;
}

const COLUMNS = "id, name, required_skills, timezone, business_hours, max_wait_seconds";
const view = (r: QueueRow): QueueView => ({
  id: r.id,
  name: r.name,
  requiredSkills: r.required_skills,
  timezone: r.timezone,
  businessHours: r.business_hours,
  maxWaitSeconds: r.max_wait_seconds,
});

export async function listQueues(deps: { pool: pg.Pool }, actor: Actor): Promise<QueueView[]> {
  assertCan(actor, "queues.read");
  const { rows } = await deps.pool.query<QueueRow>(`SELECT ${COLUMNS} FROM queues ORDER BY created_at`);
  return rows.map(view);
}

/** An admin changes a queue's hours, time zone, waiting limit or skills: before and after are audited. */
export async function updateQueue(deps: { pool: pg.Pool }, actor: Actor, id: string, body: UpdateQueueBody): Promise<QueueView> {
  assertCan(actor, "queues.manage");
  return withTransaction(deps.pool, async (tx) => {
    const before = await tx.query<QueueRow>(`SELECT ${COLUMNS} FROM queues WHERE id = $1 FOR UPDATE`, [id]);
    if (!before.rows[0]) throw new AppError("NOT_FOUND", "No such queue");
    const { rows } = await tx.query<QueueRow>(
    `UPDATE queues SET timezone = COALESCE($2, timezone), business_hours = COALESCE($3, business_hours),
       max_wait_seconds = COALESCE($4, max_wait_seconds), required_skills = COALESCE($5, required_skills)
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, body.timezone ?? null, body.businessHours ? JSON.stringify(body.businessHours) : null, body.maxWaitSeconds ?? null, body.requiredSkills ?? null],
  );
    const old = view(before.rows[0]);
    const updated = view(rows[0]!);
    const changed = (Object.keys(body) as (keyof UpdateQueueBody)[]).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(updated[k]));
    if (changed.length) {
      await recordAudit(tx, {
        actorId: actor.id,
        action: "queue_updated",
        entityType: "queue",
        entityId: id,
        data: { before: Object.fromEntries(changed.map((k) => [k, old[k]])), after: Object.fromEntries(changed.map((k) => [k, updated[k]])) },
      });
    }
    return updated;
  });
}
