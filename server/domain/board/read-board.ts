// The supervisors' live board, read from the database: the queue rows, the line, the agents and the
// alerts. server/realtime/board-feed.ts sends it (and then only what changed) to the board screens.
import type pg from "pg";
import type { BoardSnapshot } from "../../../shared/board.ts";
import { metricDefinitions } from "../../../shared/metrics.ts";
import type { PrismaClient } from "../../db/client.ts";
import { settingsOf } from "../metrics/metric-settings.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { boardAlertsQuery } from "./board-alerts.ts";
import { boardQueuesQuery } from "./board-queues.ts";
import { boardAgentsQuery, boardWaitingQuery, type AgentScope, type BoardAgents } from "./board-people.ts";
import { parseSnapshot, type BoardQuery, type SeenSnapshot } from "./board-query.ts";

/** The board with only some agents' rows read again: `agents` holds those of `agentIds` still active. */
export interface BoardPart extends Omit<BoardSnapshot, "agents"> {
  agentIds: string[];
  agents: BoardSnapshot["agents"];
}

/** What changed since the last read (`since`, its database snapshot), as the domain events named it. */
export interface BoardTouched {
  agentIds: Iterable<string>;
  conversationIds: Iterable<string>;
  since: SeenSnapshot;
}

/** A board read and the database snapshot it was read in (the next partial read starts from it). */
export interface BoardRead<T> {
  board: T;
  snapshot: SeenSnapshot;
}

const settingsQuery: BoardQuery<BoardSnapshot["settings"]> = {
  sql: [`SELECT short_abandon_seconds AS "shortAbandonSeconds", abandons_within_target::text AS "abandonsWithinTarget", callbacks::text AS callbacks FROM metric_settings`],
  from: ([r]) => settingsOf(r!.rows[0]),
};

/**
 * The board as it is now, every part from one snapshot of the database (a repeatable-read transaction),
 * so its numbers agree with each other and with the database at that moment. No permission check: the
 * feed reads it once for all who may see it.
 */
export async function snapshotBoard(pool: pg.Pool): Promise<BoardSnapshot> {
  return (await readWholeBoard(pool)).board;
}

export async function readWholeBoard(pool: pg.Pool): Promise<BoardRead<BoardSnapshot>> {
  const { board: { agents, ...rest }, snapshot } = await inOneSnapshot(pool, null);
  return { board: { ...rest, agents: agents.rows }, snapshot };
}

/**
 * The same snapshot but for the agents: only those touched are read again, with whoever holds (or is
 * offered) the touched conversations now. Queue rows, the line and the alerts are always read whole:
 * they are a few rows each, and time alone changes them.
 */
export async function snapshotBoardPart(pool: pg.Pool, touched: BoardTouched): Promise<BoardRead<BoardPart>> {
  const scope = { agentIds: [...touched.agentIds], conversationIds: [...touched.conversationIds], since: touched.since };
  const { board: { agents, ...rest }, snapshot } = await inOneSnapshot(pool, scope);
  return { board: { ...rest, agents: agents.rows, agentIds: agents.asked ?? [] }, snapshot };
}

type Read = BoardRead<Omit<BoardSnapshot, "agents"> & { agents: BoardAgents }>;

async function inOneSnapshot(pool: pg.Pool, scope: AgentScope): Promise<Read> {
  const now: BoardQuery<{ at: string; snapshot: SeenSnapshot }> = {
    sql: ["SELECT now() AS at, pg_current_snapshot()::text AS snapshot"],
    from: ([r]) => {
      const row = r!.rows[0] as { at: Date; snapshot: string };
      return { at: row.at.toISOString(), snapshot: parseSnapshot(row.snapshot) };
    },
  };
  const parts = [now, boardQueuesQuery, boardWaitingQuery, boardAgentsQuery(scope), boardAlertsQuery, settingsQuery] as const;
  const statements = ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ...parts.flatMap((p) => p.sql), "COMMIT"];
  const client = await pool.connect();
  try {
    const results = (await client.query(statements.join(";\n"))) as unknown as pg.QueryResult[];
    let at = 1; // after BEGIN's result
    const take = <T>(part: BoardQuery<T>): T => {
      const mine = results.slice(at, at + part.sql.length);
      at += part.sql.length;
      return part.from(mine);
    };
    const [taken, queues, waiting, agents, alerts, settings] = [take(now), take(boardQueuesQuery), take(boardWaitingQuery), take(parts[3]), take(boardAlertsQuery), take(settingsQuery)];
    return { board: { at: taken.at, queues, waiting, agents, alerts, settings, definitions: metricDefinitions(settings) }, snapshot: taken.snapshot };
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
  return snapshotBoard(deps.pool);
}
