// Every table that points at a customer, read from the database's own foreign keys: export and erasure
// cover tables added after them (merges, reminders, …) without being told, and handle the ones they know
// by name with more care.
import type pg from "pg";

export interface CustomerTable {
  table: string;
  /** The columns with a foreign key to customers(id). */
  customerColumns: string[];
  columns: { name: string; type: string; nullable: boolean; inKey: boolean }[];
}

/** The tables erasure and export treat by name; any other table with a customer column is handled generically. */
export const KNOWN_TABLES = new Set([
  "customers", "identities", "consents", "consent_changes", "conversations", "messages", "notes", "reminders", "attachments",
]);

export async function customerTables(db: pg.Pool | pg.PoolClient): Promise<CustomerTable[]> {
  const { rows } = await db.query<{ table: string; customer_columns: string[]; columns: CustomerTable["columns"] }>(
    `WITH fks AS (
       SELECT c.conrelid, array_agg(a.attname::text ORDER BY a.attname) AS customer_columns
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.confrelid = 'customers'::regclass
          AND c.connamespace = 'public'::regnamespace
        GROUP BY c.conrelid
     )
     SELECT fks.conrelid::regclass::text AS table, fks.customer_columns,
            (SELECT json_agg(json_build_object(
                      'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'nullable', NOT a.attnotnull,
                      'inKey', EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype IN ('p', 'u', 'f') AND a.attnum = ANY (k.conkey)))
                    ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = fks.conrelid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM fks ORDER BY 1`,
  );
  return rows.map((r) => ({ table: r.table.replace(/^"|"$/g, ""), customerColumns: r.customer_columns, columns: r.columns }));
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A row's WHERE: any of its customer columns names one of the customers ($1, a uuid[]). */
export const mentionsCustomers = (t: CustomerTable) => `(${t.customerColumns.map((c) => `${quoteIdent(c)} = ANY($1::uuid[])`).join(" OR ")})`;
