// The service-level alerts raised, newest first: what the supervisors' board shows and catches up on.
import type pg from "pg";
import type { AlertView, ServiceLevelAlertsQuery } from "../../../shared/service-levels.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { ALERT_FROM_SQL, alertView, type AlertRow } from "./alert-views.ts";

export async function listServiceLevelAlerts(deps: { pool: pg.Pool }, actor: Actor, query: ServiceLevelAlertsQuery): Promise<AlertView[]> {
  assertCan(actor, "alerts.read");
  const { rows } = await deps.pool.query<AlertRow>(
    `${ALERT_FROM_SQL}
      WHERE ($1::timestamptz IS NULL OR a.raised_at >= $1) AND ($2::uuid IS NULL OR a.queue_id = $2)
      ORDER BY a.raised_at DESC, a.id DESC LIMIT $3`,
    [query.since ?? null, query.queueId ?? null, query.limit],
  );
  return rows.map(alertView);
}
