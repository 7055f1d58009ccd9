// The migrated database must match prisma/schema.prisma: migrations are hand-written SQL (Prisma's
// migrate CLI cannot run offline), so this test is what keeps the two from drifting apart.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../server/db/client.ts";
import { runMigrations } from "../server/db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

interface ModelField {
  column: string;
  type: string;
  nullable: boolean;
}

/** Reads models, their scalar fields and enums from schema.prisma (the subset of syntax this project uses). */
async function readPrismaSchema() {
  const text = await readFile(new URL("../prisma/schema.prisma", import.meta.url), "utf8");
  const enums = new Map<string, string[]>();
  for (const m of text.matchAll(/^enum (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    enums.set(m[1]!, m[2]!.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("//")));
  }
  const models = new Map<string, { table: string; fields: ModelField[]; uniques: string[][] }>();
  for (const m of text.matchAll(/^model (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const body = m[2]!;
    const table = /@@map\("(\w+)"\)/.exec(body)?.[1] ?? m[1]!;
    const fields: ModelField[] = [];
    const uniques: string[][] = [];
    const columnOf = new Map<string, string>();
    for (const raw of body.split("\n")) {
      const line = raw.trim();
      const f = /^(\w+)\s+(\w+)(\[\]|\?)?\s*(.*)$/.exec(line);
      if (!f || line.startsWith("@@") || line.startsWith("//")) continue;
      const [, name, prismaType, modifier, attrs] = f as unknown as [string, string, string, string | undefined, string];
      const isScalar = ["String", "Int", "BigInt", "Boolean", "DateTime", "Decimal", "Json", "Bytes"].includes(prismaType) || enums.has(prismaType);
      if (!isScalar) continue; // relation fields have no column
      const column = /@map\("(\w+)"\)/.exec(attrs)?.[1] ?? name;
      columnOf.set(name, column);
      let type: string;
      if (enums.has(prismaType)) type = prismaType;
      else if (prismaType === "String") type = attrs.includes("@db.Uuid") ? "uuid" : "text";
      else if (prismaType === "DateTime") type = attrs.includes("@db.Timestamptz") ? "timestamptz" : "timestamp";
      else type = { Int: "int4", BigInt: "int8", Boolean: "bool", Decimal: "numeric", Json: "jsonb", Bytes: "bytea" }[prismaType]!;
      if (modifier === "[]") type = `_${type}`;
      fields.push({ column, type, nullable: modifier === "?" });
      if (/@unique\b/.test(attrs) || /@id\b/.test(attrs)) uniques.push([column]);
    }
    for (const u of body.matchAll(/@@(?:unique|id)\(\[([^\]]+)\]\)/g)) {
      uniques.push(u[1]!.split(",").map((s) => columnOf.get(s.trim())!));
    }
    models.set(m[1]!, { table, fields, uniques });
  }
  return { enums, models };
}

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { max: 2 });
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe("the migrated database and the Prisma models", () => {
  it("have the same tables, columns, types and nullability", async () => {
    const { models } = await readPrismaSchema();
    const { rows } = await db.pool.query<{ table_name: string; column_name: string; udt_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position`,
    );
    const actual = new Map<string, ModelField[]>();
    for (const r of rows) {
      const list = actual.get(r.table_name) ?? [];
      list.push({ column: r.column_name, type: r.udt_name, nullable: r.is_nullable === "YES" });
      actual.set(r.table_name, list);
    }
    const expected = new Map([...models.values()].map((m) => [m.table, m.fields]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, fields] of expected) {
      const byColumn = (a: ModelField, b: ModelField) => a.column.localeCompare(b.column);
      expect({ table, fields: [...actual.get(table)!].sort(byColumn) }).toEqual({ table, fields: [...fields].sort(byColumn) });
    }
  });

  it("have the same enums", async () => {
    const { enums } = await readPrismaSchema();
    const { rows } = await db.pool.query<{ name: string; labels: string[] }>(
      `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.name, r.labels]))).toEqual(Object.fromEntries(enums));
  });

  it("enforce every unique key the models declare", async () => {
    const { models } = await readPrismaSchema();
    const { rows } = await db.pool.query<{ table: string; columns: string[] }>(
      `SELECT t.relname::text AS table, array_agg(a.attname::text ORDER BY k.ord) AS columns
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE i.indisunique AND i.indpred IS NULL AND t.relnamespace = 'public'::regnamespace
        GROUP BY i.indexrelid, t.relname`,
    );
    const actual = new Set(rows.map((r) => `${r.table}(${r.columns.join(",")})`));
    for (const m of models.values()) {
      for (const u of m.uniques) expect(actual, `${m.table}(${u.join(",")})`).toContain(`${m.table}(${u.join(",")})`);
    }
  });

  it("can be read through the generated Prisma client, model by model", async () => {
    const { models } = await readPrismaSchema();
    for (const name of models.keys()) {
      const delegate = (db.prisma as unknown as Record<string, { findFirst(): Promise<unknown> }>)[name[0]!.toLowerCase() + name.slice(1)];
      // A row (seeded reference data such as away reasons) or null: either way the model reads its table.
      await expect(delegate!.findFirst(), name).resolves.not.toBeUndefined();
    }
  });

  it("refuses to run a migration that was changed after it was applied", async () => {
    await db.pool.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE name = '0001_init'`);
    await expect(runMigrations(db.pool)).rejects.toThrow(/was changed after it was applied/);
  });
});
