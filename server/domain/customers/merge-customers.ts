// Merges one customer (the source) into another (the target) in one transaction: every row of the
// source's moves, the target settles what both had (consents, tier, name), the source points at the
// target, and the merge is recorded with a snapshot that undo-merge.ts reads to put it all back.
import type { MergeRecord } from "../../../shared/merge.ts";
import { withTransaction } from "../../db/client.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { loadMergeRecord } from "./merge-history.ts";
import { planConsents } from "./merge-preview.ts";
import {
  assertMergeable,
  diffColumns,
  EXTRA_SET,
  higherTier,
  lockAddresses,
  lockPair,
  MOVED_TABLES,
  writeColumns,
  type MergeDeps,
  type MergeSnapshot,
} from "./merge-rows.ts";

const CONSENT_COLUMNS = ["status", "source", "updated_at"];
const TARGET_COLUMNS = ["display_name", "tier", "tier_source", "tags", "updated_at"];
const SOURCE_COLUMNS = ["merged_into_id", "updated_at"];

export async function mergeCustomers(deps: MergeDeps, actor: Actor, opts: { sourceId: string; targetId: string }): Promise<MergeRecord> {
  assertCan(actor, "customers.merge");
  const outcome = await withTransaction(deps.pool, async (tx) => {
    // Consents carried between the two records keep their own ledger rows (migration 0020): no new change.
    await tx.query(`SELECT set_config('switchboard.consent_copy', 'on', true)`);
    const { a: source, b: target } = await lockPair(tx, opts.sourceId, opts.targetId);
    // Checked under the locks: of two merges at once, the second sees the first's merged_into_id.
    assertMergeable(source.row, target.row);
    const S = source.row.id;
    const T = target.row.id;
    await lockAddresses(tx, "i.customer_id = $1", [S]);
    const movedAddresses = (await tx.query<{ value: string }>(`SELECT value FROM identities WHERE customer_id = $1 ORDER BY value`, [S])).rows.map((r) => r.value);

    // Consents: a channel only the source has moves; one both have stays two rows (the unique key is
    // per customer and channel), the target's taking the opt-out if the source's is one.
    const plan = await planConsents(tx, S, T, true);
    const moved: Record<string, string[]> = {};
    moved.consents = plan.moving.map((c) => c.id);
    if (moved.consents.length) await tx.query(`UPDATE consents SET customer_id = $1 WHERE id = ANY($2)`, [T, moved.consents]);
    const consentConflicts: MergeSnapshot["consentConflicts"] = [];
    for (const conflict of plan.conflicts) {
      const rows = await tx.query<{ s: Record<string, unknown>; t: Record<string, unknown> }>(
        `SELECT to_jsonb(s) AS s, to_jsonb(t) AS t FROM consents s, consents t WHERE s.id = $1 AND t.id = $2`,
        [conflict.sourceId, conflict.targetId],
      );
      const { s, t } = rows.rows[0]!;
      const after = conflict.result !== conflict.target ? await writeColumns(tx, "consents", conflict.targetId, { status: s.status, source: s.source, updated_at: s.updated_at }) : t;
      consentConflicts.push({ channel: conflict.channel, sourceConsentId: conflict.sourceId, targetConsentId: conflict.targetId, changes: diffColumns(t, after, CONSENT_COLUMNS) });
    }

    for (const table of MOVED_TABLES) {
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE ${table} SET customer_id = $2${EXTRA_SET[table] ?? ""} WHERE customer_id = $1 RETURNING id`,
        [S, T],
      );
      moved[table] = rows.map((r) => r.id);
    }

    // The target keeps its name unless it has none, takes the higher tier (then set, not derived) and
    // both customers' tags (within the 20 a customer may have).
    const tier = higherTier(target.row.tier, source.row.tier);
    const targetTags = (target.json.tags as string[] | undefined) ?? [];
    const tags = [...new Set([...targetTags, ...((source.json.tags as string[] | undefined) ?? [])])].slice(0, 20);
    const targetAfter = await writeColumns(tx, "customers", T, {
      updated_at: new Date().toISOString(),
      ...(target.row.display_name === null && source.row.display_name !== null ? { display_name: source.row.display_name } : {}),
      ...(tier !== target.row.tier ? { tier_source: "set", tier } : {}),
      ...(tags.length !== targetTags.length ? { tags } : {}),
    });
    const sourceAfter = await writeColumns(tx, "customers", S, { merged_into_id: T, updated_at: new Date().toISOString() });

    const snapshot: MergeSnapshot = {
      version: 1,
      source: source.json,
      target: target.json,
      sourceChanges: diffColumns(source.json, sourceAfter, SOURCE_COLUMNS),
      targetChanges: diffColumns(target.json, targetAfter, TARGET_COLUMNS),
      moved,
      movedAddresses,
      consentConflicts,
    };
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO customer_merges (source_customer_id, target_customer_id, merged_by, snapshot) VALUES ($1, $2, $3, $4) RETURNING id`,
      [S, T, actor.id, JSON.stringify(snapshot)],
    );
    const mergeId = rows[0]!.id;
    const counts = Object.fromEntries(Object.entries(moved).map(([table, ids]) => [table, ids.length]));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "customer_merged",
      entityType: "customer",
      entityId: T,
      data: { mergeId, sourceCustomerId: S, targetCustomerId: T, moved: counts, targetChanges: snapshot.targetChanges, consentConflicts },
    });
    const agents = await tx.query<{ id: string }>(
      `SELECT DISTINCT assigned_agent_id AS id FROM conversations WHERE id = ANY($1) AND assigned_agent_id IS NOT NULL`,
      [moved.conversations],
    );
    return { mergeId, S, T, agentIds: agents.rows.map((r) => r.id) };
  });
  await deps.events.publish({
    type: "customer.merged",
    mergeId: outcome.mergeId,
    sourceId: outcome.S,
    targetId: outcome.T,
    undone: false,
    assignedAgentIds: outcome.agentIds,
  });
  return loadMergeRecord(deps.pool, outcome.mergeId);
}
