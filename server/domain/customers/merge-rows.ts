// What a merge moves and how it locks: shared by preview, merge and undo.
//
// Merge and undo are hand SQL in one pg transaction, not Prisma: they are set-based moves over seven
// tables ("every row of the source's"), with row and advisory locks taken in a fixed order, and the
// snapshot is built from the UPDATEs' RETURNING lists. Through Prisma that would be a query per table
// plus raw SQL for every lock anyway.
import type pg from "pg";
import type { CustomerSummary } from "../../../shared/api.ts";
import type { CustomerTier } from "../../../shared/domain.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { EventPublisher } from "../events.ts";

export interface MergeDeps {
  pool: pg.Pool;
  prisma: PrismaClient;
  events: EventPublisher;
}

/**
 * Tables whose rows follow their customer_id to the target (consents too, but they may conflict: see
 * merge-customers.ts). test/customer-merge.test.ts checks that every foreign key to customers(id) is
 * named here or in STAYING_TABLES, so a table added later must decide whether its rows move.
 */
export const MOVED_TABLES = ["identities", "conversations", "messages", "notes", "reminders", "attachments", "consent_changes"] as const;
export type MovedTable = (typeof MOVED_TABLES)[number];
/** Rows of these point at a customer but stay: the merge record itself names both customers. */
export const STAYING_TABLES = ["customer_merges"] as const;

/**
 * Rows that belong to a conversation follow it when undo takes it back: these by their conversation_id,
 * attachments by their message's.
 */
export const CONVERSATION_BOUND_TABLES = ["messages", "notes", "reminders"] as const;

/** Set of columns written besides customer_id: a moved message gets a new change_seq so timelines catch up. */
export const EXTRA_SET: Partial<Record<MovedTable, string>> = { messages: ", change_seq = nextval('message_change_seq')" };

const TIER_RANK: Record<CustomerTier, number> = { standard: 0, gold: 1, platinum: 2 };
export const higherTier = (a: CustomerTier, b: CustomerTier): CustomerTier => (TIER_RANK[a] >= TIER_RANK[b] ? a : b);

export interface CustomerRow {
  id: string;
  display_name: string | null;
  tier: CustomerTier;
  tier_source: string;
  merged_into_id: string | null;
  updated_at: string;
  /** Set by erasure (migration 0020). */
  erased_at?: string | null;
}

export const summary = (c: Pick<CustomerRow, "id" | "display_name" | "tier">): CustomerSummary => ({ id: c.id, displayName: c.display_name, tier: c.tier });

/** The customer's whole row as jsonb (any columns added later included), and the fields merge reads. */
export async function readCustomer(db: pg.Pool | pg.PoolClient, id: string, lock = false): Promise<{ row: CustomerRow; json: Record<string, unknown> }> {
  // NO KEY UPDATE: ingest's inserts (their foreign-key checks take KEY SHARE on the customer) are not
  // blocked by it, so an ingest holding a sender's advisory lock cannot deadlock with a merge waiting for it.
  const { rows } = await db.query<{ json: Record<string, unknown> }>(
    `SELECT to_jsonb(c) AS json FROM customers c WHERE c.id = $1 ${lock ? "FOR NO KEY UPDATE" : ""}`,
    [id],
  );
  const json = rows[0]?.json;
  if (!json) throw new AppError("NOT_FOUND", "No such customer", { customerId: id });
  return { row: json as unknown as CustomerRow, json };
}

/** Refuses what can never be merged; the same checks for preview and merge. */
export function assertMergeable(source: CustomerRow, target: CustomerRow): void {
  if (source.id === target.id) throw new AppError("CONFLICT", "A customer cannot be merged into itself", { reason: "same_customer" });
  if (source.erased_at || target.erased_at) throw new AppError("CONFLICT", "An erased customer cannot be merged", { reason: "erased" });
  if (source.merged_into_id) {
    throw new AppError("CONFLICT", "This customer was merged into another already", { reason: "source_merged_away", mergedIntoId: source.merged_into_id });
  }
  if (target.merged_into_id) {
    throw new AppError("CONFLICT", "That customer was merged into another: merge into that one instead", {
      reason: "target_merged_away",
      mergedIntoId: target.merged_into_id,
    });
  }
}

/** Both customer rows locked in id order, so two merges of the same pair (either way round) cannot deadlock. */
export async function lockPair(tx: pg.PoolClient, aId: string, bId: string) {
  const [first, second] = aId < bId ? [aId, bId] : [bId, aId];
  const one = await readCustomer(tx, first, true);
  const two = await readCustomer(tx, second, true);
  return one.row.id === aId ? { a: one, b: two } : { a: two, b: one };
}

/**
 * The advisory locks ingest takes per sender (kind:value, migration 0014; email and chat use the same
 * keys), taken for every address that changes hands: no inbound of theirs lands half-way through.
 */
export async function lockAddresses(tx: pg.PoolClient, identityFilter: string, params: unknown[]): Promise<void> {
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
       FROM (SELECT i.kind::text || ':' || i.value AS k FROM identities i WHERE ${identityFilter} ORDER BY 1) keys`,
    params,
  );
}

/** What a merge wrote and what was there before, per column: undo puts `before` back where `after` still holds. */
export type ColumnChanges = Record<string, { before: unknown; after: unknown }>;

/** The merge record's snapshot: enough to put every row back as it was. */
export interface MergeSnapshot {
  version: 1;
  /** The two customer rows, whole, as they were before the merge. */
  source: Record<string, unknown>;
  target: Record<string, unknown>;
  sourceChanges: ColumnChanges;
  targetChanges: ColumnChanges;
  /** Ids of the rows moved, by table: each had the source's customer_id before. */
  moved: Record<string, string[]>;
  /** The addresses that moved: a conversation begun from one after the merge goes back with it. */
  movedAddresses: string[];
  consentConflicts: { channel: string; sourceConsentId: string; targetConsentId: string; changes: ColumnChanges }[];
}

/** Column changes between two whole rows (to_jsonb), for the named columns that differ. */
export function diffColumns(before: Record<string, unknown>, after: Record<string, unknown>, columns: string[]): ColumnChanges {
  const changes: ColumnChanges = {};
  for (const c of columns) {
    if (JSON.stringify(before[c]) !== JSON.stringify(after[c])) changes[c] = { before: before[c] ?? null, after: after[c] ?? null };
  }
  return changes;
}

/**
 * Writes the given column values (as to_jsonb gave them) into one row; jsonb_populate_record turns them
 * back into the columns' own types. Column names come from this code, never from input.
 */
export async function writeColumns(tx: pg.PoolClient, table: string, id: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const columns = Object.keys(values);
  if (columns.length === 0) return (await tx.query(`SELECT to_jsonb(t) AS json FROM ${table} t WHERE id = $1`, [id])).rows[0]?.json;
  const set = columns.map((c) => `"${c}" = r."${c}"`).join(", ");
  const { rows } = await tx.query<{ json: Record<string, unknown> }>(
    `UPDATE ${table} t SET ${set} FROM jsonb_populate_record(NULL::${table}, $2::jsonb) r WHERE t.id = $1 RETURNING to_jsonb(t) AS json`,
    [id, JSON.stringify(values)],
  );
  return rows[0]!.json;
}

/**
 * Puts back `before` for each changed column whose value is still what the merge wrote; a column
 * changed since (a later edit, a new opt-out) keeps its newer value. Returns the columns left as they are.
 */
export async function restoreColumns(tx: pg.PoolClient, table: string, id: string, changes: ColumnChanges): Promise<string[]> {
  const current = (await tx.query<{ json: Record<string, unknown> }>(`SELECT to_jsonb(t) AS json FROM ${table} t WHERE id = $1`, [id])).rows[0]?.json;
  if (!current) return Object.keys(changes);
  const restore: Record<string, unknown> = {};
  const kept: string[] = [];
  for (const [column, { before, after }] of Object.entries(changes)) {
    if (JSON.stringify(current[column] ?? null) === JSON.stringify(after)) restore[column] = before;
    else kept.push(column);
  }
  // updated_at goes back only with everything else: a row edited since keeps the time of that edit.
  if (kept.length && "updated_at" in restore) {
    delete restore.updated_at;
    kept.push("updated_at");
  }
  // The tier last and alone: writing tier_source runs the trigger that derives the tier (migration 0014).
  const { tier, ...rest } = restore;
  await writeColumns(tx, table, id, rest);
  if (tier !== undefined) await writeColumns(tx, table, id, { tier });
  return kept;
}
