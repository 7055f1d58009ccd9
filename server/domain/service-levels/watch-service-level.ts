// Arms a waiting conversation's service-level timers: a delayed job for its warning (80% of the target)
// and one for its breach (the due time), each skipped once recorded. Called whenever the conversation is
// routed, so every path that starts or moves a wait arms them; asking again for the same wait is a no-op.
import type pg from "pg";
import type { ServiceLevelAlertKind } from "../../../shared/service-levels.ts";
import type { WorkQueues } from "../work-queues.ts";
import { WAITING_SQL, momentSql } from "./alert-views.ts";

export interface WatchServiceLevelDeps {
  pool: pg.Pool;
  queues: Pick<WorkQueues, "scheduleServiceLevelCheck">;
}

/** Returns the kinds it asked to be checked (none when the conversation does not wait). */
export async function watchServiceLevel(deps: WatchServiceLevelDeps, conversationId: string): Promise<ServiceLevelAlertKind[]> {
  const { rows } = await deps.pool.query<{ kind: ServiceLevelAlertKind; waiting_since: Date; at: Date }>(
    `SELECT k.kind, cv.waiting_since, ${momentSql("k.kind")} AS at
       FROM conversations cv CROSS JOIN (VALUES ('warning'), ('breach')) AS k(kind)
      WHERE cv.id = $1 AND ${WAITING_SQL}
        AND NOT EXISTS (SELECT 1 FROM service_level_alerts a
                         WHERE a.conversation_id = cv.id AND a.kind = k.kind AND a.waiting_since = cv.waiting_since)`,
    [conversationId],
  );
  await Promise.all(rows.map((r) => deps.queues.scheduleServiceLevelCheck(conversationId, r.kind, r.waiting_since, r.at)));
  return rows.map((r) => r.kind);
}
