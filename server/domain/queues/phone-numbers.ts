// Twilio numbers as entry points: each names the queue its texts and the queue its calls join
// (null: the default queue). SQL entry_queue_id() reads this table when a conversation opens.
import type { CreatePhoneNumberBody, PhoneNumberView, UpdatePhoneNumberBody } from "../../../shared/queues.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { assertQueuesExist, isUniqueViolation } from "./queue-rows.ts";

const VIEW = { id: true, number: true, label: true, smsQueueId: true, voiceQueueId: true } as const;

const duplicate = (number: string | undefined) => new AppError("CONFLICT", `${number} is registered already`, { field: "number" });
const noSuchNumber = () => new AppError("NOT_FOUND", "No such phone number");

export async function listPhoneNumbers(deps: { prisma: PrismaClient }, actor: Actor): Promise<PhoneNumberView[]> {
  assertCan(actor, "numbers.read");
  return deps.prisma.phoneNumber.findMany({ select: VIEW, orderBy: { number: "asc" } });
}

export async function createPhoneNumber(deps: { prisma: PrismaClient }, actor: Actor, body: CreatePhoneNumberBody): Promise<PhoneNumberView> {
  assertCan(actor, "numbers.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      await assertQueuesExist(tx, { smsQueueId: body.smsQueueId, voiceQueueId: body.voiceQueueId });
      const created = await tx.phoneNumber.create({
        data: { number: body.number, label: body.label ?? null, smsQueueId: body.smsQueueId ?? null, voiceQueueId: body.voiceQueueId ?? null },
        select: VIEW,
      });
      await recordPrismaAudit(tx, { actorId: actor.id, action: "phone_number_created", entityType: "phone_number", entityId: created.id, data: { after: created } });
      return created;
    });
  } catch (err) {
    // The unique number index decides, so two registrations at once cannot both win.
    throw isUniqueViolation(err) ? duplicate(body.number) : err;
  }
}

/** Only the fields given change; null clears a label or sends that channel to the default queue. */
export async function updatePhoneNumber(deps: { prisma: PrismaClient }, actor: Actor, id: string, body: UpdatePhoneNumberBody): Promise<PhoneNumberView> {
  assertCan(actor, "numbers.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM phone_numbers WHERE id = ${id}::uuid FOR UPDATE`;
      const before = await tx.phoneNumber.findUnique({ where: { id }, select: VIEW });
      if (!before) throw noSuchNumber();
      await assertQueuesExist(tx, { smsQueueId: body.smsQueueId, voiceQueueId: body.voiceQueueId });
      const after = await tx.phoneNumber.update({
        where: { id },
        data: { number: body.number, label: body.label, smsQueueId: body.smsQueueId, voiceQueueId: body.voiceQueueId },
        select: VIEW,
      });
      await recordPrismaAudit(tx, { actorId: actor.id, action: "phone_number_updated", entityType: "phone_number", entityId: id, data: { before, after } });
      return after;
    });
  } catch (err) {
    throw isUniqueViolation(err) ? duplicate(body.number) : err;
  }
}

/** Texts and calls to a deleted number still arrive (Twilio sends them) and join the default queue. */
export async function deletePhoneNumber(deps: { prisma: PrismaClient }, actor: Actor, id: string): Promise<void> {
  assertCan(actor, "numbers.manage");
  try {
    await deps.prisma.$transaction(async (tx) => {
      const deleted = await tx.phoneNumber.delete({ where: { id }, select: VIEW });
      await recordPrismaAudit(tx, { actorId: actor.id, action: "phone_number_deleted", entityType: "phone_number", entityId: id, data: { before: deleted } });
    });
  } catch (err) {
    throw (err as { code?: string }).code === "P2025" ? noSuchNumber() : err;
  }
}
