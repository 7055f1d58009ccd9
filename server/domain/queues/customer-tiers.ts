// Service by customer value: a tier set on the customer's record, or derived from their lifetime value
// by the thresholds an admin keeps. The trigger customers_derive_tier derives it when the lifetime value
// or tier_source changes; a change of thresholds re-derives every derived tier here, in its transaction.
import type pg from "pg";
import type { CustomerTierView, SetCustomerTierBody, TierThresholds } from "../../../shared/queues.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

async function readThresholds(db: pg.Pool | pg.PoolClient): Promise<TierThresholds> {
  const { rows } = await db.query<{ tier: "gold" | "platinum"; min: string }>(`SELECT tier, min_lifetime_value AS min FROM tier_thresholds`);
  const of = (tier: "gold" | "platinum") => {
    const row = rows.find((r) => r.tier === tier);
    return row ? Number(row.min) : null;
  };
  return { gold: of("gold"), platinum: of("platinum") };
}

export async function getTierThresholds(deps: { pool: pg.Pool }, actor: Actor): Promise<TierThresholds> {
  assertCan(actor, "queue_setup.read");
  return readThresholds(deps.pool);
}

/** Sets both thresholds (null: that tier is never derived) and re-derives every derived tier at once. */
export async function putTierThresholds(
  deps: { pool: pg.Pool },
  actor: Actor,
  body: TierThresholds,
): Promise<{ thresholds: TierThresholds; customersChanged: number }> {
  assertCan(actor, "queues.manage");
  return withTransaction(deps.pool, async (tx) => {
    // The table may be empty, so there is no row to lock: two admins at once take turns on this lock.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('switchboard:tier-thresholds', 0))`);
    const before = await readThresholds(tx);
    await tx.query(`DELETE FROM tier_thresholds`);
    for (const tier of ["gold", "platinum"] as const) {
      const min = body[tier];
      if (min !== null) await tx.query(`INSERT INTO tier_thresholds (tier, min_lifetime_value) VALUES ($1, $2)`, [tier, min]);
    }
    // Setting tier alone does not fire customers_derive_tier (it watches lifetime_value and tier_source),
    // so a tier set on the record is never touched: only the derived ones, and only those that change.
    const changed = await tx.query(
      `UPDATE customers SET tier = derived_tier(lifetime_value), updated_at = now()
        WHERE tier_source = 'derived' AND lifetime_value IS NOT NULL AND tier IS DISTINCT FROM derived_tier(lifetime_value)`,
    );
    const thresholds = await readThresholds(tx);
    const customersChanged = changed.rowCount ?? 0;
    await recordAudit(tx, {
      actorId: actor.id,
      action: "tier_thresholds_updated",
      entityType: "tier_thresholds",
      entityId: "tier_thresholds",
      data: { before, after: thresholds, customersChanged },
    });
    return { thresholds, customersChanged };
  });
}

interface CustomerTierRow {
  id: string;
  tier: CustomerTierView["tier"];
  tier_source: CustomerTierView["tierSource"];
  lifetime_value: string | null;
}
const tierView = (r: CustomerTierRow): CustomerTierView => ({
  id: r.id,
  tier: r.tier,
  tierSource: r.tier_source,
  lifetimeValue: r.lifetime_value === null ? null : Number(r.lifetime_value),
});

/**
 * Any agent may set a customer's tier (audited), or give null to have it derived from the lifetime value
 * again (standard without one). A conversation already waiting keeps its due time; the next wait uses the new tier.
 */
export async function setCustomerTier(deps: { pool: pg.Pool }, actor: Actor, customerId: string, body: SetCustomerTierBody): Promise<CustomerTierView> {
  assertCan(actor, "customer.edit");
  return withTransaction(deps.pool, async (tx) => {
    const columns = "id, tier, tier_source, lifetime_value";
    const before = (await tx.query<CustomerTierRow>(`SELECT ${columns} FROM customers WHERE id = $1 FOR UPDATE`, [customerId])).rows[0];
    if (!before) throw new AppError("NOT_FOUND", "No such customer");
    // tier_source is always written, so the trigger runs and derives the tier when it is 'derived'.
    const { rows } = await tx.query<CustomerTierRow>(
      body.tier === null
        ? `UPDATE customers SET tier_source = 'derived', updated_at = now() WHERE id = $1 RETURNING ${columns}`
        : `UPDATE customers SET tier_source = 'set', tier = $2, updated_at = now() WHERE id = $1 RETURNING ${columns}`,
      body.tier === null ? [customerId] : [customerId, body.tier],
    );
    const after = tierView(rows[0]!);
    const brief = (v: CustomerTierView) => ({ tier: v.tier, tierSource: v.tierSource });
    await recordAudit(tx, {
      actorId: actor.id,
      action: "customer_tier_set",
      entityType: "customer",
      entityId: customerId,
      data: { before: brief(tierView(before)), after: brief(after) },
    });
    return after;
  });
}
