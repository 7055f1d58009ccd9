// Twilio numbers as entry points: each names the queue its texts and the queue its calls join
// (null: the default queue). SQL entry_queue_id() reads this table when a conversation opens.
import type pg from "pg";
import type { CreatePhoneNumberBody, PhoneNumberView, UpdatePhoneNumberBody } from "../../../shared/queues.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { assertQueuesExist, isUniqueViolation } from "./queue-rows.ts";

const COLUMNS = `id, number, label, sms_queue_id AS "smsQueueId", voice_queue_id AS "voiceQueueId"`;
const COLUMN_OF = { number: "number", label: "label", smsQueueId: "sms_queue_id", voiceQueueId: "voice_queue_id" } as const;

const duplicate = (number: string | undefined) => new AppError("CONFLICT", `${number} is registered already`, { field: "number" });

export async function listPhoneNumbers(deps: { pool: pg.Pool }, actor: Actor): Promise<PhoneNumberView[]> {
  assertCan(actor, "numbers.read");
  const { rows } = await deps.pool.query<PhoneNumberView>(`SELECT ${COLUMNS} FROM phone_numbers ORDER BY number`);
  return rows;
}

export async function createPhoneNumber(deps: { pool: pg.Pool }, actor: Actor, body: CreatePhoneNumberBody): Promise<PhoneNumberView> {
  assertCan(actor, "numbers.manage");
  return withTransaction(deps.pool, async (tx) => {
    await assertQueuesExist(tx, { smsQueueId: body.smsQueueId, voiceQueueId: body.voiceQueueId });
    const { rows } = await tx.query<PhoneNumberView>(
      `INSERT INTO phone_numbers (number, label, sms_queue_id, voice_queue_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (number) DO NOTHING RETURNING ${COLUMNS}`,
      [body.number, body.label ?? null, body.smsQueueId ?? null, body.voiceQueueId ?? null],
    );
    if (!rows[0]) throw duplicate(body.number);
    await recordAudit(tx, { actorId: actor.id, action: "phone_number_created", entityType: "phone_number", entityId: rows[0].id, data: { after: rows[0] } });
    return rows[0];
  });
}

/** Only the fields given change; null clears a label or sends that channel to the default queue. */
export async function updatePhoneNumber(deps: { pool: pg.Pool }, actor: Actor, id: string, body: UpdatePhoneNumberBody): Promise<PhoneNumberView> {
  assertCan(actor, "numbers.manage");
  return withTransaction(deps.pool, async (tx) => {
    const before = (await tx.query<PhoneNumberView>(`SELECT ${COLUMNS} FROM phone_numbers WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (!before) throw new AppError("NOT_FOUND", "No such phone number");
    await assertQueuesExist(tx, { smsQueueId: body.smsQueueId, voiceQueueId: body.voiceQueueId });
    const keys = (Object.keys(COLUMN_OF) as (keyof typeof COLUMN_OF)[]).filter((k) => body[k] !== undefined);
    let after: PhoneNumberView;
    try {
      const { rows } = await tx.query<PhoneNumberView>(
        `UPDATE phone_numbers SET ${keys.map((k, i) => `${COLUMN_OF[k]} = $${i + 2}`).join(", ")} WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, ...keys.map((k) => body[k])],
      );
      after = rows[0]!;
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(body.number);
      throw err;
    }
    await recordAudit(tx, { actorId: actor.id, action: "phone_number_updated", entityType: "phone_number", entityId: id, data: { before, after } });
    return after;
  });
}

/** Texts and calls to a deleted number still arrive (Twilio sends them) and join the default queue. */
export async function deletePhoneNumber(deps: { pool: pg.Pool }, actor: Actor, id: string): Promise<void> {
  assertCan(actor, "numbers.manage");
  await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<PhoneNumberView>(`DELETE FROM phone_numbers WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
    if (!rows[0]) throw new AppError("NOT_FOUND", "No such phone number");
    await recordAudit(tx, { actorId: actor.id, action: "phone_number_deleted", entityType: "phone_number", entityId: id, data: { before: rows[0] } });
  });
}
