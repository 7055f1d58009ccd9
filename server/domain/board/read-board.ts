// The supervisors' live board, read whole from the database: the queue rows, the line, the agents and
// the alerts. server/realtime/board-feed.ts sends it (and then only what changed) to the board screens.
import type pg from "pg";
import type { BoardSnapshot } from "../../../shared/board.ts";
import { metricDefinitions } from "../../../shared/metrics.ts";
import type { PrismaClient } from "../../db/client.ts";
import { readMetricSettings } from "../metrics/metric-settings.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { readBoardAlerts } from "./board-alerts.ts";
import { readBoardQueues } from "./board-queues.ts";
import { readBoardAgents, readBoardWaiting } from "./board-people.ts";


/**
 * The board as it is now, every part from one snapshot of the database (a repeatable-read transaction),
 * so its numbers agree with each other and with the database at that moment. No permission check: the
 * feed reads it once for all who may see it.
 */
export async function snapshotBoard(pool: pg.Pool, prisma: PrismaClient): Promise<BoardSnapshot> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await client.query<{ at: Date }>("SELECT now() AS at");
    const queues = await readBoardQueues(client);
    const waiting = await readBoardWaiting(client);
    const agents = await readBoardAgents(client);
    const alerts = await readBoardAlerts(client);
    await client.query("COMMIT");
    // The figures above count by the settings row inside the snapshot; this reads it again for their words.
    const settings = await readMetricSettings({ prisma });
    return { at: rows[0]!.at.toISOString(), queues, waiting, agents, alerts, settings, definitions: metricDefinitions(settings) };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** GET /api/board: the same board for one supervisor or admin. */
export async function readBoard(deps: { pool: pg.Pool; prisma: PrismaClient }, actor: Actor): Promise<BoardSnapshot> {
  assertCan(actor, "board.read");
  return snapshotBoard(deps.pool, deps.prisma);
}
