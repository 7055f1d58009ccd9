// The board is read in one round trip: every part gives its statements, read-board.ts sends them all
// in one simple-protocol query inside one repeatable-read transaction, and each part turns its own
// results into rows. On a busy machine each round trip costs a wake-up of the app and of Postgres, so
// fifteen statements one after another cost several times what one batch does.
import type pg from "pg";

export interface BoardQuery<T> {
  /** Statements without parameters (the simple protocol carries none; values are written in, checked). */
  sql: string[];
  /** The results of `sql`, in order. */
  from(results: pg.QueryResult[]): T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are uuids (the rest dropped), without repeats. */
export const uuidsOf = (ids: Iterable<string>): string[] => [...new Set(ids)].filter((id) => UUID.test(id));

/** A uuid[] literal of ids already checked by uuidsOf: nothing but hex digits and dashes is written in. */
export const uuidArray = (ids: readonly string[]): string => {
  if (!ids.every((id) => UUID.test(id))) throw new Error("uuidArray takes uuids only");
  return `'{${ids.join(",")}}'::uuid[]`;
};

/** A database snapshot as pg_current_snapshot() prints it ("xmin:xmax:xip,…"): what a read could see. */
export interface SeenSnapshot {
  xmax: string;
  xip: string[];
}

export function parseSnapshot(text: string): SeenSnapshot {
  const [, xmax, xip] = text.split(":");
  if (!xmax || !/^\d+$/.test(xmax) || (xip && !/^\d+(,\d+)*$/.test(xip))) throw new Error(`not a snapshot: ${text}`);
  return { xmax, xip: xip ? xip.split(",") : [] };
}

/**
 * SQL true for a row (of the table aliased `t`) written by a transaction the snapshot `seen` could not
 * see: one that committed after it was taken. A row's xmin is the 32-bit id of the transaction that
 * wrote this version of it; ids at or past `seen`'s xmax (no older than it, counted back from now:
 * far fewer than 2^31 transactions pass between two reads), or in its list of those still running,
 * were not visible to it. A frozen row counts as oldest of all.
 */
export function writtenSince(seen: SeenSnapshot, t: string): string {
  // age() counts back from this transaction's latest id in 32-bit steps, without a cast per row.
  const low = (id: string) => `'${(BigInt(id) % 4294967296n).toString()}'::xid`;
  const xip = seen.xip.length ? ` OR ${t}.xmin IN (${seen.xip.map(low).join(",")})` : "";
  return `(age(${t}.xmin) <= age(${low(seen.xmax)})${xip})`;
}
