// The auto-offline check after a socket closes is a delayed job; if Redis loses it, the agent would stay
// available with nobody at the screen. The sweep derives it again: every agent the database has as
// available or away, with no socket on any server (the registry each server writes back at reconnect),
// gets the same check once more, which takes them offline after the grace if still nobody is there.
import type { Redis } from "ioredis";
import type pg from "pg";
import { countAgentSockets } from "../redis/agent-sockets.ts";
import type { Queues } from "./queues.ts";

export async function queueLostDisconnectChecks(
  deps: { pool: pg.Pool; queues: Queues },
  redis: Redis,
  prefix: string,
  graceMs: number,
): Promise<number> {
  const { rows } = await deps.pool.query<{ id: string }>(
    // Recent changes are still on their normal path (the job queued at disconnect).
    `SELECT id FROM agents WHERE presence IN ('available', 'away') AND presence_changed_at < now() - make_interval(secs => $1::float / 1000)`,
    [graceMs],
  );
  let queued = 0;
  for (const { id } of rows) {
    if ((await countAgentSockets(redis, prefix, id)) > 0) continue;
    await deps.queues.agentDisconnected(id, graceMs, { derived: true });
    queued++;
  }
  return queued;
}
