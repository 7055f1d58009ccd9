// An agent adds a phone or email the customer gave them. An address that belongs to another customer
// is refused with a suggestion to merge (409 CONFLICT, details.suggestedMerge): nothing ever merges by
// itself; the agent previews and confirms a merge as a separate step.
import { z } from "zod";
import type { AddIdentityBody, SuggestedMergeDetails } from "../../../shared/merge.ts";
import { toE164 } from "../../../shared/phone.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

export interface AddIdentityDeps {
  prisma: PrismaClient;
  defaultCountry: string;
}

const Email = z.string().email();

/** The stored form: E.164 for a phone, lower case for an email; a clear VALIDATION error otherwise. */
export function normaliseIdentity(body: AddIdentityBody, defaultCountry: string): string {
  if (body.kind === "phone") {
    const e164 = toE164(body.value, defaultCountry);
    if (!e164) throw new AppError("VALIDATION", `"${body.value}" is not a valid phone number`, { field: "value" });
    return e164;
  }
  const email = body.value.trim().toLowerCase();
  if (!Email.safeParse(email).success) throw new AppError("VALIDATION", `"${body.value}" is not a valid email address`, { field: "value" });
  return email;
}

async function belongsToSomeoneElse(tx: Prisma.TransactionClient, customerId: string): Promise<AppError> {
  const owner = await tx.customer.findUnique({ where: { id: customerId }, select: { id: true, displayName: true } });
  const details: SuggestedMergeDetails = { suggestedMerge: { customerId, displayName: owner?.displayName ?? null } };
  return new AppError("CONFLICT", `This belongs to ${owner?.displayName ?? "another customer"}: merge the two to bring it over`, details);
}

export async function addIdentity(
  deps: AddIdentityDeps,
  actor: Actor,
  customerId: string,
  body: AddIdentityBody,
): Promise<{ id: string; kind: "phone" | "email"; value: string; verified: boolean }> {
  assertCan(actor, "customer.edit");
  const value = normaliseIdentity(body, deps.defaultCountry);
  try {
    return await deps.prisma.$transaction(async (tx) => {
      // The customer's row, as merge locks it: an address is never added to a customer being merged away.
      const locked = await tx.$queryRaw<{ merged_into_id: string | null; erased_at: Date | null }[]>`
        SELECT merged_into_id, erased_at FROM customers WHERE id = ${customerId}::uuid FOR NO KEY UPDATE`;
      if (!locked[0]) throw new AppError("NOT_FOUND", "No such customer");
      // An erased record takes no new address: what that address sends starts a new customer (migration 0020).
      if (locked[0].erased_at) throw new AppError("CONFLICT", "This customer was erased: their record takes no new address", { reason: "erased" });
      if (locked[0].merged_into_id) {
        throw new AppError("CONFLICT", "This customer was merged into another: add it there", { reason: "merged_away", mergedIntoId: locked[0].merged_into_id });
      }
      // The sender lock ingest takes: an inbound from this address cannot create it at the same moment.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${body.kind}:${value}`}, 0))`;
      const existing = await tx.identity.findUnique({ where: { kind_value: { kind: body.kind, value } } });
      if (existing && existing.customerId !== customerId) throw await belongsToSomeoneElse(tx, existing.customerId);
      if (existing) return { id: existing.id, kind: body.kind, value, verified: existing.verified };
      const created = await tx.identity.create({
        data: { customerId, kind: body.kind, value, verified: false, source: `agent:${actor.id}` },
      });
      await tx.auditEvent.create({
        data: { actorId: actor.id, action: "customer_identity_added", entityType: "customer", entityId: customerId, data: { kind: body.kind, value } },
      });
      return { id: created.id, kind: body.kind, value, verified: false };
    });
  } catch (err) {
    // The unique (kind, value) index decides a race with a path that does not take the sender lock.
    if ((err as { code?: string })?.code === "P2002") {
      const owner = await deps.prisma.identity.findUnique({ where: { kind_value: { kind: body.kind, value } } });
      if (owner && owner.customerId !== customerId) throw await belongsToSomeoneElse(deps.prisma, owner.customerId);
    }
    throw err;
  }
}
