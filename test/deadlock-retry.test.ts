// A transaction PostgreSQL rolls back to break a deadlock (40P01) is run again by withDeadlockRetry,
// as acceptOffer does (the board benchmark saw accepts fail with 500 "deadlock detected" beside presence
// changes). A real deadlock here: two transactions lock two rows in opposite orders.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createDb, withDeadlockRetry, withTransaction, type Db } from "../server/db/client.ts";
import { createAgent } from "./support/factories.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { eventually } from "./support/test-app.ts";

let db: TestDatabase;
let pool: pg.Pool;
let prismaDb: Db;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  prismaDb = createDb(db.url, { max: 2 });
  await pool.query(`CREATE TABLE lock_pair (id int PRIMARY KEY, n int NOT NULL DEFAULT 0); INSERT INTO lock_pair (id) VALUES (1), (2)`);
});
afterAll(async () => {
  await prismaDb?.close();
  await pool?.end();
  await db?.drop();
});

describe("withDeadlockRetry", () => {
  it("runs a transaction again after PostgreSQL chose it to break a deadlock, and it then commits", async () => {
    const other = await pool.connect();
    await other.query("BEGIN");
    // The other side waits long before checking for deadlocks, so this side is the one rolled back.
    await other.query("SET LOCAL deadlock_timeout = '10s'");
    await other.query(`UPDATE lock_pair SET n = n + 1 WHERE id = 1`);
    let otherDone: Promise<unknown> | null = null;
    let attempts = 0;
    const waitingOnLock = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).rows[0].n > 0;

    await withDeadlockRetry(() =>
      withTransaction(pool, async (tx) => {
        attempts++;
        await tx.query(`UPDATE lock_pair SET n = n + 10 WHERE id = 2`);
        if (!otherDone) {
          // The other side now waits for row 2, which this side holds; this side then asks for row 1.
          otherDone = other.query(`UPDATE lock_pair SET n = n + 1 WHERE id = 2`).then(() => other.query("COMMIT"));
          await eventually(waitingOnLock, { intervalMs: 10 });
        }
        await tx.query(`UPDATE lock_pair SET n = n + 10 WHERE id = 1`);
      }),
    );
    await otherDone;
    other.release();
    // Rolled back at least once (a busy machine can see the retry deadlock again before the other side commits).
    expect(attempts).toBeGreaterThanOrEqual(2);
    // Both committed once: the first attempt left nothing behind.
    expect((await pool.query(`SELECT id, n FROM lock_pair ORDER BY id`)).rows).toEqual([{ id: 1, n: 11 }, { id: 2, n: 11 }]);
  });

  it("runs a Prisma transaction again after a deadlock (P2034), as setPresence does", async () => {
    const a = await createAgent(pool, { name: "Dee Lock" });
    const b = await createAgent(pool, { name: "Lock Dee" });
    const other = await pool.connect();
    await other.query("BEGIN");
    await other.query("SET LOCAL deadlock_timeout = '10s'");
    await other.query(`UPDATE agents SET name = name WHERE id = $1`, [a.id]);
    let otherDone: Promise<unknown> | null = null;
    let attempts = 0;
    let code: string | undefined;
    const waitingOnLock = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).rows[0].n > 0;
    await withDeadlockRetry(async () => {
      try {
        await prismaDb.prisma.$transaction(async (tx) => {
          attempts++;
          await tx.agent.update({ where: { id: b.id }, data: { name: "Lock Dee 2" } });
          if (!otherDone) {
            otherDone = other.query(`UPDATE agents SET name = name WHERE id = $1`, [b.id]).then(() => other.query("COMMIT"));
            await eventually(waitingOnLock, { intervalMs: 10 });
          }
          await tx.agent.update({ where: { id: a.id }, data: { name: "Dee Lock 2" } });
        });
      } catch (err) {
        code ??= (err as { code?: string }).code;
        throw err;
      }
    });
    await otherDone;
    other.release();
    expect(code).toBe("P2034");
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect((await pool.query(`SELECT name FROM agents WHERE id = ANY($1::uuid[]) ORDER BY name`, [[a.id, b.id]])).rows.map((r) => r.name)).toEqual(["Dee Lock 2", "Lock Dee 2"]);
  });

  it("does not run again for any other error", async () => {
    let attempts = 0;
    const failing = withDeadlockRetry(async () => {
      attempts++;
      await pool.query(`SELECT 1/0`);
    });
    await expect(failing).rejects.toMatchObject({ code: "22012" });
    expect(attempts).toBe(1);
  });
});
