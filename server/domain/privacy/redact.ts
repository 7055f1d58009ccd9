// Redaction helpers of erasure: personal strings out of JSON (audit data), and every text, JSON and binary
// column of tables that point at the customer but that erasure does not know by name (merges, reminders,
// notes, and whatever comes later).
import type pg from "pg";
import { customerTables, mentionsCustomers, quoteIdent, type CustomerTable } from "./customer-tables.ts";

export const ERASED = "[erased]";

/** Keys whose value is personal whatever it says (audit data of e-mails, edits, merges). */
const PERSONAL_KEYS = new Set(["subject", "to", "from", "cc", "body", "name", "displayname", "display_name", "email", "phone", "note", "value", "address", "text", "html"]);

/**
 * A copy of `value` with every string that contains one of the needles (case-insensitive), or sits under
 * a personal key, replaced by "[erased]". Numbers, booleans, ids and the shape stay.
 */
export function redactJson(value: unknown, needles: string[], key = ""): unknown {
  if (typeof value === "string") {
    if (PERSONAL_KEYS.has(key.toLowerCase())) return ERASED;
    const lower = value.toLowerCase();
    return needles.some((n) => lower.includes(n)) ? ERASED : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactJson(v, needles, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, PERSONAL_KEYS.has(k.toLowerCase()) && v !== null && typeof v === "object" ? ERASED : redactJson(v, needles, k)]));
  }
  return value;
}

/** Columns that say what a row is, not who: enums are not text, but some tables keep these as text. */
const STRUCTURAL = new Set(["status", "kind", "channel", "direction", "action", "entity_type", "tier_source"]);

/**
 * Blanks every text, JSON and binary column that is not part of a key in rows of `tables` that point at
 * the customers: NULL where allowed, else empty. A column a constraint will not let go blank stays, and
 * is returned (it is named in the erasure's audit row so an admin can look).
 */
export async function redactOtherTables(tx: pg.PoolClient, customerIds: string[], skip: Set<string>): Promise<{ redacted: string[]; kept: string[] }> {
  const redacted: string[] = [];
  const kept: string[] = [];
  for (const t of await customerTables(tx)) {
    if (skip.has(t.table)) continue;
    for (const c of blankableColumns(t)) {
      const name = `${t.table}.${c.name}`;
      // Blank first; a CHECK that wants some text (notes.body: 1 to 4000 characters) gets the marker instead.
      let done = false;
      for (const blank of c.text && !c.nullable ? [c.blank, `'${ERASED}'`] : [c.blank]) {
        await tx.query("SAVEPOINT redact_column");
        try {
          await tx.query(`UPDATE ${quoteIdent(t.table)} SET ${quoteIdent(c.name)} = ${blank} WHERE ${mentionsCustomers(t)} AND ${quoteIdent(c.name)} IS NOT NULL`, [customerIds]);
          await tx.query("RELEASE SAVEPOINT redact_column");
          done = true;
          break;
        } catch {
          await tx.query("ROLLBACK TO SAVEPOINT redact_column");
        }
      }
      // A constraint no blank value meets: the column stays, and the audit row names it.
      (done ? redacted : kept).push(name);
    }
  }
  return { redacted, kept };
}

function blankableColumns(t: CustomerTable): { name: string; blank: string; text?: boolean; nullable?: boolean }[] {
  const out: { name: string; blank: string; text?: boolean; nullable?: boolean }[] = [];
  for (const c of t.columns) {
    if (c.inKey || STRUCTURAL.has(c.name)) continue;
    const col = quoteIdent(c.name);
    if (c.type === "text" || c.type.startsWith("character")) out.push({ name: c.name, blank: c.nullable ? "NULL" : "''", text: true, nullable: c.nullable });
    else if (c.type === "text[]") out.push({ name: c.name, blank: c.nullable ? "NULL" : "'{}'" });
    else if (c.type === "jsonb" || c.type === "json") {
      out.push({ name: c.name, blank: c.nullable ? "NULL" : `(CASE WHEN jsonb_typeof(${col}::jsonb) = 'array' THEN '[]' ELSE '{}' END)::${c.type}` });
    } else if (c.type === "bytea") out.push({ name: c.name, blank: c.nullable ? "NULL" : "''::bytea" });
  }
  return out;
}
