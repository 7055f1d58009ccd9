// Service by customer value: a tier set on the customer's record, or derived from their lifetime value
// by the thresholds an admin keeps. The trigger customers_derive_tier derives it when the lifetime value
// or tier_source changes; a change of thresholds re-derives every derived tier here, in its transaction.
import type { CustomerTierView, SetCustomerTierBody, TierThresholds } from "../../../shared/queues.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { Tx } from "./queue-rows.ts";

/** Re-deriving every customer's tier is one statement, but over many customers it may outlast Prisma's 5 s default. */
const RE_DERIVE_TIMEOUT_MS = 120_000;

async function readThresholds(db: PrismaClient | Tx): Promise<TierThresholds> {
  const rows = await db.tierThreshold.findMany({ select: { tier: true, minLifetimeValue: true } });
  const of = (tier: "gold" | "platinum") => {
    const row = rows.find((r) => r.tier === tier);
    return row ? row.minLifetimeValue.toNumber() : null;
  };
  return { gold: of("gold"), platinum: of("platinum") };
}

export async function getTierThresholds(deps: { prisma: PrismaClient }, actor: Actor): Promise<TierThresholds> {
  assertCan(actor, "queue_setup.read");
  return readThresholds(deps.prisma);
}

/** Sets both thresholds (null: that tier is never derived) and re-derives every derived tier at once. */
export async function putTierThresholds(
  deps: { prisma: PrismaClient },
  actor: Actor,
  body: TierThresholds,
): Promise<{ thresholds: TierThresholds; customersChanged: number }> {
  assertCan(actor, "queues.manage");
  return deps.prisma.$transaction(
    async (tx) => {
      // The table may be empty, so there is no row to lock: two admins at once take turns on this lock.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('switchboard:tier-thresholds', 0))`;
      const before = await readThresholds(tx);
      await tx.tierThreshold.deleteMany({});
      for (const tier of ["gold", "platinum"] as const) {
        const min = body[tier];
        if (min !== null) await tx.tierThreshold.create({ data: { tier, minLifetimeValue: min } });
      }
      // Setting tier alone does not fire customers_derive_tier (it watches lifetime_value and tier_source),
      // so a tier set on the record is never touched: only the derived ones, and only those that change.
      // Raw only to call the database's own derived_tier(), the function that trigger uses, in one statement.
      const customersChanged = await tx.$executeRaw`
        UPDATE customers SET tier = derived_tier(lifetime_value), updated_at = now()
         WHERE tier_source = 'derived' AND lifetime_value IS NOT NULL AND tier IS DISTINCT FROM derived_tier(lifetime_value)`;
      const thresholds = await readThresholds(tx);
      await recordPrismaAudit(tx, {
        actorId: actor.id,
        action: "tier_thresholds_updated",
        entityType: "tier_thresholds",
        entityId: "tier_thresholds",
        data: { before, after: thresholds, customersChanged },
      });
      return { thresholds, customersChanged };
    },
    { timeout: RE_DERIVE_TIMEOUT_MS },
  );
}

const TIER = { id: true, tier: true, tierSource: true, lifetimeValue: true } as const;
type CustomerTierRecord = Prisma.CustomerGetPayload<{ select: typeof TIER }>;

const tierView = (c: CustomerTierRecord): CustomerTierView => ({
  id: c.id,
  tier: c.tier,
  tierSource: c.tierSource as CustomerTierView["tierSource"],
  lifetimeValue: c.lifetimeValue === null ? null : c.lifetimeValue.toNumber(),
});

/**
 * Any agent may set a customer's tier (audited), or give null to have it derived from the lifetime value
 * again (standard without one). A conversation already waiting keeps its due time; the next wait uses the new tier.
 */
export async function setCustomerTier(deps: { prisma: PrismaClient }, actor: Actor, customerId: string, body: SetCustomerTierBody): Promise<CustomerTierView> {
  assertCan(actor, "customer.edit");
  return deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM customers WHERE id = ${customerId}::uuid FOR UPDATE`;
    const before = await tx.customer.findUnique({ where: { id: customerId }, select: TIER });
    if (!before) throw new AppError("NOT_FOUND", "No such customer");
    // tier_source is always written, so the trigger runs and derives the tier when it is 'derived'
    // (a BEFORE trigger: what the update returns is the derived tier).
    const after = tierView(
      await tx.customer.update({
        where: { id: customerId },
        data: body.tier === null ? { tierSource: "derived" } : { tierSource: "set", tier: body.tier },
        select: TIER,
      }),
    );
    const brief = (v: CustomerTierView) => ({ tier: v.tier, tierSource: v.tierSource });
    await recordPrismaAudit(tx, {
      actorId: actor.id,
      action: "customer_tier_set",
      entityType: "customer",
      entityId: customerId,
      data: { before: brief(tierView(before)), after: brief(after) },
    });
    return after;
  });
}
