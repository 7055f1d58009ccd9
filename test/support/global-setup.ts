// Runs once before all test files: builds the workspace client and a migrated template database that
// each file clones. Names carry the run's start time, so concurrent runs (two checkouts, CI beside a
// developer) never drop each other's databases, and leftovers of killed runs are swept after a while.
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { runMigrations } from "../../server/db/migrate.ts";
import { ADMIN_DATABASE_URL, databaseUrl } from "./env.ts";

const STALE_AFTER_SECONDS = 3 * 60 * 60;

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const now = Math.floor(Date.now() / 1000);
  const template = `sb_test_tpl_${now}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  const old = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^sb_test_(tpl|file)_[0-9]+_'`);
  for (const { datname } of old.rows) {
    const created = Number(datname.split("_")[3]);
    if (now - created > STALE_AFTER_SECONDS) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  // Browser tests use the built workspace and chat widget; build it fresh so they never test a stale bundle.
  const { build } = await import("vite");
  const testEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production"; // vitest sets "test", which would bundle React's development build
  const configFile = fileURLToPath(new URL("../../vite.config.ts", import.meta.url));
  await build({ configFile, logLevel: "warn" });
  await build({ configFile, logLevel: "warn", mode: "widget" });
  process.env.NODE_ENV = testEnv;

  const pool = new pg.Pool({ connectionString: databaseUrl(template), max: 1 });
  await runMigrations(pool);
  await pool.end();
  project.provide("templateDatabase", template);

  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await c.end();
  };
}
