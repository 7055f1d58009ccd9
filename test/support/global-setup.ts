// Runs once before all test files: builds a migrated template database that each file clones.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runMigrations } from "../../server/db/migrate.ts";
import { ADMIN_DATABASE_URL, TEMPLATE_DATABASE, databaseUrl } from "./env.ts";

export default async function setup(): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  // Leftovers of an interrupted earlier run.
  const stale = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'sb_test_file_%'`);
  for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
  // Browser tests use the built workspace; build it fresh so they never test a stale bundle.
  const { build } = await import("vite");
  const testEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production"; // vitest sets "test", which would bundle React's development build
  await build({ configFile: fileURLToPath(new URL("../../vite.config.ts", import.meta.url)), logLevel: "warn" });
  process.env.NODE_ENV = testEnv;
  const pool = new pg.Pool({ connectionString: databaseUrl(TEMPLATE_DATABASE), max: 1 });
  await runMigrations(pool);
  await pool.end();
  return async () => {};
}
