// The merges a customer took part in (as source or target), newest first, each saying whether undo is
// possible now and what it would take back besides the snapshot.
import type pg from "pg";
import type { MergeRecord } from "../../../shared/merge.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { MergeDeps, MergeSnapshot } from "./merge-rows.ts";

interface MergeRow {
  id: string;
  seq: string;
  source_customer_id: string;
  target_customer_id: string;
  merged_at: Date;
  undone_at: Date | null;
  snapshot: MergeSnapshot;
  source_name: string | null;
  source_tier: MergeRecord["source"]["tier"];
  target_name: string | null;
  target_tier: MergeRecord["target"]["tier"];
  merged_by_id: string | null;
  merged_by_name: string | null;
  undone_by_id: string | null;
  undone_by_name: string | null;
}

const SELECT_MERGES = `
  SELECT m.id, m.seq, m.source_customer_id, m.target_customer_id, m.merged_at, m.undone_at, m.snapshot,
         s.display_name AS source_name, s.tier AS source_tier, t.display_name AS target_name, t.tier AS target_tier,
         mb.id AS merged_by_id, mb.name AS merged_by_name, ub.id AS undone_by_id, ub.name AS undone_by_name
    FROM customer_merges m
    JOIN customers s ON s.id = m.source_customer_id JOIN customers t ON t.id = m.target_customer_id
    LEFT JOIN agents mb ON mb.id = m.merged_by LEFT JOIN agents ub ON ub.id = m.undone_by`;

/** A merge made after this one, involving either customer, and not undone: it must be undone first. */
export async function laterMergeInForce(db: pg.Pool | pg.PoolClient, m: { seq: string; source_customer_id: string; target_customer_id: string }): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM customer_merges
      WHERE seq > $1 AND undone_at IS NULL
        AND (source_customer_id = ANY($2::uuid[]) OR target_customer_id = ANY($2::uuid[]))
      ORDER BY seq DESC LIMIT 1`,
    [m.seq, [m.source_customer_id, m.target_customer_id]],
  );
  return rows[0]?.id ?? null;
}

/**
 * Conversations on the target that began after the merge from an address that moved with it (a new SMS
 * from the source's phone): undo takes them back with that address, and their messages with them.
 */
export async function conversationsSinceMerge(db: pg.Pool | pg.PoolClient, m: { target_customer_id: string; merged_at: Date; snapshot: MergeSnapshot }): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM conversations
      WHERE customer_id = $1 AND created_at >= $2 AND customer_address = ANY($3) AND NOT (id = ANY($4)) ORDER BY id`,
    [m.target_customer_id, m.merged_at, m.snapshot.movedAddresses, m.snapshot.moved.conversations ?? []],
  );
  return rows.map((r) => r.id);
}

async function toRecord(db: pg.Pool | pg.PoolClient, r: MergeRow): Promise<MergeRecord> {
  const blockedBy = r.undone_at ? null : await laterMergeInForce(db, r);
  const since = r.undone_at ? [] : await conversationsSinceMerge(db, r);
  return {
    id: r.id,
    source: { id: r.source_customer_id, displayName: r.source_name, tier: r.source_tier },
    target: { id: r.target_customer_id, displayName: r.target_name, tier: r.target_tier },
    mergedAt: r.merged_at.toISOString(),
    mergedBy: r.merged_by_id ? { id: r.merged_by_id, name: r.merged_by_name ?? "" } : null,
    undoneAt: r.undone_at?.toISOString() ?? null,
    undoneBy: r.undone_by_id ? { id: r.undone_by_id, name: r.undone_by_name ?? "" } : null,
    moved: Object.fromEntries(Object.entries(r.snapshot.moved).map(([table, ids]) => [table, ids.length])),
    undo: { possible: !r.undone_at && !blockedBy, blockedByMergeId: blockedBy, conversationsSinceMerge: since.length },
  };
}

export async function loadMergeRecord(db: pg.Pool | pg.PoolClient, mergeId: string): Promise<MergeRecord> {
  const { rows } = await db.query<MergeRow>(`${SELECT_MERGES} WHERE m.id = $1`, [mergeId]);
  if (!rows[0]) throw new AppError("NOT_FOUND", "No such merge");
  return toRecord(db, rows[0]);
}

export async function listCustomerMerges(deps: Pick<MergeDeps, "pool">, actor: Actor, customerId: string): Promise<MergeRecord[]> {
  assertCan(actor, "conversation.read");
  const exists = await deps.pool.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId]);
  if (!exists.rowCount) throw new AppError("NOT_FOUND", "No such customer");
  const { rows } = await deps.pool.query<MergeRow>(
    `${SELECT_MERGES} WHERE m.source_customer_id = $1 OR m.target_customer_id = $1 ORDER BY m.seq DESC LIMIT 50`,
    [customerId],
  );
  return Promise.all(rows.map((r) => toRecord(deps.pool, r)));
}
