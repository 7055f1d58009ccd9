// When a wait's warning and breach fall due, and the alert rows as the wire's AlertView.
import type pg from "pg";
import { WARNING_SHARE, type AlertView, type ServiceLevelAlertKind } from "../../../shared/service-levels.ts";
import type { Channel, CustomerTier } from "../../../shared/domain.ts";
import { customerNameOf } from "../views.ts";

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

/** The moment of an alert of `kind` (an SQL text expression) for the conversation `cv`, from its current target. */
export const momentSql = (kind: string) =>
  `(CASE ${kind} WHEN 'warning' THEN cv.waiting_since + cv.target_seconds * ${WARNING_SHARE * 1000} * interval '1 millisecond' ELSE cv.due_at END)`;

/** A conversation that waits with a due time (queued, or offered and not yet answered). */
export const WAITING_SQL = `cv.status IN ('queued', 'offered') AND cv.waiting_since IS NOT NULL AND cv.due_at IS NOT NULL AND cv.target_seconds IS NOT NULL`;

export interface AlertRow {
  id: string;
  kind: ServiceLevelAlertKind;
  conversation_id: string;
  customer_id: string;
  customer_display_name: string | null;
  customer_address: string;
  queue_id: string | null;
  queue_name: string | null;
  tier: CustomerTier;
  channel: Channel;
  waiting_since: Date;
  due_at: Date;
  target_seconds: number;
  late_ms: number;
  raised_at: Date;
}

/** From service_level_alerts `a`, with its conversation, customer and queue. */
export const ALERT_FROM_SQL = `SELECT a.id, a.kind, a.conversation_id, cv.customer_id, cu.display_name AS customer_display_name, cv.customer_address,
       a.queue_id, q.name AS queue_name, a.tier, a.channel, a.waiting_since, a.due_at, a.target_seconds, a.late_ms, a.raised_at
  FROM service_level_alerts a
  JOIN conversations cv ON cv.id = a.conversation_id
  JOIN customers cu ON cu.id = cv.customer_id
  LEFT JOIN queues q ON q.id = a.queue_id`;

export function alertView(r: AlertRow): AlertView {
  return {
    id: r.id,
    kind: r.kind,
    conversationId: r.conversation_id,
    customerId: r.customer_id,
    // As the workspace names a customer without a name (server/domain/views.ts).
    customerName: customerNameOf(r.customer_display_name, r.customer_address, r.channel),
    queueId: r.queue_id,
    queueName: r.queue_name,
    tier: r.tier,
    channel: r.channel,
    waitingSince: r.waiting_since.toISOString(),
    dueAt: r.due_at.toISOString(),
    targetSeconds: r.target_seconds,
    lateMs: r.late_ms,
    raisedAt: r.raised_at.toISOString(),
  };
}

export async function loadAlert(db: Queryable, id: string): Promise<AlertView | null> {
  const { rows } = await db.query<AlertRow>(`${ALERT_FROM_SQL} WHERE a.id = $1`, [id]);
  return rows[0] ? alertView(rows[0]) : null;
}
