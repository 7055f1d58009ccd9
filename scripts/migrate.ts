// `npm run migrate`: applies pending SQL migrations to DATABASE_URL.
import pg from "pg";
import { runMigrations } from "../server/db/migrate.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("Configuration error: DATABASE_URL is required but not set");
  process.exit(1);
}
const pool = new pg.Pool({ connectionString: url, max: 1 });
try {
  const { applied, alreadyApplied } = await runMigrations(pool);
  console.log(`migrations: ${applied.length} applied (${applied.join(", ") || "none"}), ${alreadyApplied.length} already applied`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await pool.end();
}
