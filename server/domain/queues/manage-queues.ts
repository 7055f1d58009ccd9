// Queues: listed for everyone (an agent sends a call to another queue by name); created, changed and
// deleted by admins, each change audited with before and after in its own transaction.
import type pg from "pg";
import type { CreateQueueBody, QueueView, UpdateQueueBody } from "../../../shared/queues.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { QUEUE_COLUMNS, assertQueuesExist, invalidField, isUniqueViolation, lockQueueShape, queueRow, queueView, type QueueRow } from "./queue-rows.ts";

type QueueFields = Omit<UpdateQueueBody, "isDefault">;
const COLUMN_OF: Record<keyof QueueFields, string> = {
  name: "name",
  timezone: "timezone",
  businessHours: "business_hours",
  maxWaitSeconds: "max_wait_seconds",
  requiredSkills: "required_skills",
  overflowQueueId: "overflow_queue_id",
  overflowAfterSeconds: "overflow_after_seconds",
  overflowWhenUnstaffed: "overflow_when_unstaffed",
  afterMaxWait: "after_max_wait",
  emailAcknowledgement: "email_acknowledgement",
};

/** The columns and values of the fields given (absent fields are left alone; null clears). */
function columnsOf(body: UpdateQueueBody): { columns: string[]; values: unknown[] } {
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const key of Object.keys(COLUMN_OF) as (keyof QueueFields)[]) {
    const value = body[key];
    if (value === undefined) continue;
    columns.push(COLUMN_OF[key]);
    values.push(key === "businessHours" ? JSON.stringify(value) : value);
  }
  return { columns, values };
}

const duplicateName = (name: string | undefined) => new AppError("CONFLICT", `A queue named "${name}" exists already`, { field: "name" });

export async function listQueues(deps: { pool: pg.Pool }, actor: Actor): Promise<QueueView[]> {
  assertCan(actor, "queues.read");
  const { rows } = await deps.pool.query<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues ORDER BY created_at, id`);
  return rows.map(queueView);
}

export async function getQueue(deps: { pool: pg.Pool }, actor: Actor, id: string): Promise<QueueView> {
  assertCan(actor, "queues.read");
  return queueView(await queueRow(deps.pool, id));
}

/** A new queue starts without members (unless it is the install's first, which takes every agent). */
export async function createQueue(deps: { pool: pg.Pool }, actor: Actor, body: CreateQueueBody): Promise<QueueView> {
  assertCan(actor, "queues.manage");
  return withTransaction(deps.pool, async (tx) => {
    await lockQueueShape(tx);
    // A new queue has nothing overflowing to it yet, so its own overflow cannot close a circle.
    await assertQueuesExist(tx, { overflowQueueId: body.overflowQueueId });
    const { columns, values } = columnsOf(body);
    let id: string;
    try {
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO queues (${columns.join(", ")}) VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`,
        values,
      );
      id = inserted.rows[0]!.id;
    } catch (err) {
      if (isUniqueViolation(err, "queues_name_key")) throw duplicateName(body.name);
      throw err;
    }
    if (body.isDefault) await makeDefault(tx, id);
    const created = await queueRow(tx, id);
    assertOverflowComplete(created);
    await recordAudit(tx, { actorId: actor.id, action: "queue_created", entityType: "queue", entityId: id, data: { after: queueView(created) } });
    return queueView(created);
  });
}

/** An admin changes a queue: only the fields given; before and after of what changed are audited. */
export async function updateQueue(deps: { pool: pg.Pool }, actor: Actor, id: string, body: UpdateQueueBody): Promise<QueueView> {
  assertCan(actor, "queues.manage");
  return withTransaction(deps.pool, async (tx) => {
    await lockQueueShape(tx);
    const before = await queueRow(tx, id, { forUpdate: true });
    if (body.isDefault === false && before.is_default) {
      throw invalidField("isDefault", "there is always a default queue: make another queue the default instead");
    }
    if (body.overflowQueueId) await assertNoOverflowCycle(tx, id, body.overflowQueueId);
    const { columns, values } = columnsOf(body);
    if (columns.length) {
      try {
        await tx.query(`UPDATE queues SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(", ")} WHERE id = $1`, [id, ...values]);
      } catch (err) {
        if (isUniqueViolation(err, "queues_name_key")) throw duplicateName(body.name);
        throw err;
      }
    }
    if (body.isDefault && !before.is_default) await makeDefault(tx, id);
    const after = await queueRow(tx, id);
    const touchesOverflow = body.overflowQueueId !== undefined || body.overflowAfterSeconds !== undefined || body.overflowWhenUnstaffed !== undefined;
    if (touchesOverflow) assertOverflowComplete(after);
    const old = queueView(before);
    const updated = queueView(after);
    const changed = (Object.keys(updated) as (keyof QueueView)[]).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(updated[k]));
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

/**
 * Deletes a queue no conversation ever waited in. conversations.queue_id keeps its history (no ON DELETE),
 * so a queue with any conversation, open or resolved, stays (rename it or take its entry points away
 * instead); numbers and widgets that named it, and queues that overflowed to it, fall back to none.
 */
export async function deleteQueue(deps: { pool: pg.Pool }, actor: Actor, id: string): Promise<void> {
  assertCan(actor, "queues.manage");
  await withTransaction(deps.pool, async (tx) => {
    await lockQueueShape(tx);
    const queue = await queueRow(tx, id, { forUpdate: true });
    if (queue.is_default) throw new AppError("CONFLICT", "The default queue cannot be deleted: make another queue the default first", { reason: "default" });
    const { rows } = await tx.query<{ open: number; total: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'resolved')::int AS open, count(*)::int AS total FROM conversations WHERE queue_id = $1`,
      [id],
    );
    const { open, total } = rows[0]!;
    if (total > 0) {
      throw new AppError(
        "CONFLICT",
        open > 0 ? `${open} conversation(s) are still open in this queue` : "Conversations in this queue's history still refer to it",
        { reason: open > 0 ? "open_conversations" : "conversation_history", openConversations: open, conversations: total },
      );
    }
    const detached = await tx.query<{ numbers: string[] | null; widgets: string[] | null; overflowFrom: string[] | null }>(
      `SELECT (SELECT array_agg(number) FROM phone_numbers WHERE sms_queue_id = $1 OR voice_queue_id = $1) AS numbers,
              (SELECT array_agg(public_key) FROM chat_widgets WHERE queue_id = $1) AS widgets,
              (SELECT array_agg(id) FROM queues WHERE overflow_queue_id = $1) AS "overflowFrom"`,
      [id],
    );
    await tx.query(`DELETE FROM queues WHERE id = $1`, [id]);
    await recordAudit(tx, {
      actorId: actor.id,
      action: "queue_deleted",
      entityType: "queue",
      entityId: id,
      data: { before: queueView(queue), detached: detached.rows[0] },
    });
  });
}

/** The previous default stops being it first: a partial unique index allows only one. */
async function makeDefault(tx: pg.PoolClient, id: string): Promise<void> {
  await tx.query(`UPDATE queues SET is_default = false WHERE is_default AND id <> $1`, [id]);
  await tx.query(`UPDATE queues SET is_default = true WHERE id = $1`, [id]);
}

/** Overflow must lead somewhere else that exists, and following overflows must never come back here. */
async function assertNoOverflowCycle(tx: pg.PoolClient, id: string, target: string): Promise<void> {
  if (target === id) throw invalidField("overflowQueueId", "a queue cannot overflow to itself");
  await assertQueuesExist(tx, { overflowQueueId: target });
  // UNION (not UNION ALL) ends the walk even over a circle made before this check existed.
  const { rowCount } = await tx.query(
    `WITH RECURSIVE chain(id) AS (
       SELECT $1::uuid
       UNION
       SELECT q.overflow_queue_id FROM chain c JOIN queues q ON q.id = c.id WHERE q.overflow_queue_id IS NOT NULL)
     SELECT 1 FROM chain WHERE id = $2`,
    [target, id],
  );
  if (rowCount) throw invalidField("overflowQueueId", "this would make overflow go round in a circle back to this queue");
}

function assertOverflowComplete(q: QueueRow): void {
  if (!q.overflow_queue_id && (q.overflow_after_seconds !== null || q.overflow_when_unstaffed)) {
    throw invalidField("overflowQueueId", "an overflow by time or when nobody is signed in needs a queue to overflow to");
  }
}
