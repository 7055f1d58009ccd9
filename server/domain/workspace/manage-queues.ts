// Queues: listed for everyone, opening hours and waiting limits set by admins.
import type pg from "pg";
import type { QueueView, UpdateQueueBody } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";

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

export async function listQueues(deps: { pool: pg.Pool }): Promise<QueueView[]> {
  const { rows } = await deps.pool.query<QueueRow>(`SELECT ${COLUMNS} FROM queues ORDER BY created_at`);
  return rows.map(view);
}

export async function updateQueue(deps: { pool: pg.Pool }, id: string, body: UpdateQueueBody): Promise<QueueView> {
  const { rows } = await deps.pool.query<QueueRow>(
    `UPDATE queues SET timezone = COALESCE($2, timezone), business_hours = COALESCE($3, business_hours),
       max_wait_seconds = COALESCE($4, max_wait_seconds), required_skills = COALESCE($5, required_skills)
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, body.timezone ?? null, body.businessHours ? JSON.stringify(body.businessHours) : null, body.maxWaitSeconds ?? null, body.requiredSkills ?? null],
  );
  if (!rows[0]) throw new AppError("NOT_FOUND", "No such queue");
  return view(rows[0]);
}
