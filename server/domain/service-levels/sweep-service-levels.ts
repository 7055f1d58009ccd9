// Service-level timers live in Redis as delayed jobs; Postgres knows every wait and its moments. This
// raises the warnings and breaches whose jobs were lost (a Redis restart or failover) a little late,
// rather than never (shared/DESIGN.md invariant 7).
import type { ServiceLevelAlertKind } from "../../../shared/service-levels.ts";
import { WAITING_SQL, momentSql } from "./alert-views.ts";
import { raiseServiceLevelAlert, type RaiseAlertDeps } from "./raise-alert.ts";

/** Left to the delayed job before the sweep steps in. */
const GRACE_SECONDS = 5;

/** Returns how many alerts it raised. */
export async function sweepServiceLevels(deps: RaiseAlertDeps, opts: { limit?: number; graceSeconds?: number } = {}): Promise<number> {
  const { rows } = await deps.pool.query<{ id: string; kind: ServiceLevelAlertKind; waiting_since: Date }>(
    `SELECT cv.id, k.kind, cv.waiting_since
       FROM conversations cv CROSS JOIN (VALUES ('warning'), ('breach')) AS k(kind)
      WHERE ${WAITING_SQL} AND ${momentSql("k.kind")} < now() - make_interval(secs => $2)
        AND NOT EXISTS (SELECT 1 FROM service_level_alerts a
                         WHERE a.conversation_id = cv.id AND a.kind = k.kind AND a.waiting_since = cv.waiting_since)
      ORDER BY cv.due_at, cv.id LIMIT $1`,
    [opts.limit ?? 500, opts.graceSeconds ?? GRACE_SECONDS],
  );
  let raised = 0;
  for (const r of rows) {
    const result = await raiseServiceLevelAlert(deps, { conversationId: r.id, kind: r.kind, waitingSince: r.waiting_since });
    if (result.outcome === "raised") raised++;
  }
  return raised;
}
