// One pg pool per process, shared by Prisma (through its pg adapter) and the raw-SQL hot paths.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient } from "./generated/client.ts";
export { Prisma } from "./generated/client.ts";

export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

// Return bigint columns as strings (change_seq), never as lossy JS numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export function createDb(connectionString: string, opts: { max?: number; onIdleError?: (err: Error) => void } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it. Said, not hidden.
  pool.on("error", (err) => opts.onIdleError?.(err));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * Runs a transaction again when PostgreSQL broke a deadlock by rolling it back (40P01; through Prisma,
 * P2034 "write conflict or deadlock"): nothing of it was kept, so running it again is safe for a
 * transaction that only touches the database. A lock-order cycle under concurrent triggers (an accept beside a presence change and the router) is rare but real.
 */
export async function withDeadlockRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= attempts || (code !== "40P01" && code !== "P2034")) throw err;
    }
  }
}

/** Runs fn in a transaction on one pooled client; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection lost mid-transaction (Postgres restarting) fails the running query, which rejects below,
  // and also emits "error" on the client: the pool listens only while a client is idle, and an unheard
  // "error" event would crash the process. Heard here, the broken client is then dropped, not pooled.
  let lost: Error | undefined;
  const onLost = (err: Error) => (lost = err);
  client.on("error", onLost);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    if (!lost) await client.query("ROLLBACK").catch(() => {}); // the rollback's own failure adds nothing
    throw err;
  } finally {
    client.off("error", onLost);
    client.release(lost);
  }
}
