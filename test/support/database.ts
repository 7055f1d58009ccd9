// A fresh database per test file, cloned from the run's migrated template (fast, and files run in parallel).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { ADMIN_DATABASE_URL, databaseUrl } from "./env.ts";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // The time in the name lets a later run sweep what a killed run left behind (global-setup.ts).
  const name = `sb_test_file_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(name),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
