// Raises one wait's service-level warning or breach, once (shared/DESIGN.md invariant 3: nothing waits
// forever unnoticed). Run by the delayed job at the moment it was scheduled for, and by the sweep for
// jobs Redis lost; both may race: the conversation's row lock and the table's unique key keep it to one.
import type pg from "pg";
import type { CustomerTier } from "../../../shared/domain.ts";
import type { AlertView, ServiceLevelAlertKind } from "../../../shared/service-levels.ts";
import { withTransaction } from "../../db/client.ts";
import type { EventPublisher } from "../events.ts";
import type { WorkQueues } from "../work-queues.ts";
import { loadAlert, momentSql } from "./alert-views.ts";

export interface RaiseAlertDeps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: Pick<WorkQueues, "scheduleServiceLevelCheck">;
}

export interface RaiseAlertInput {
  conversationId: string;
  kind: ServiceLevelAlertKind;
  /** The wait this check belongs to: a later wait of the same conversation is another. */
  waitingSince: Date;
  /** The moment the job was scheduled for; absent when the sweep asks. */
  scheduledFor?: Date;
}

/**
 * raised: recorded and announced now. already_raised: an earlier run recorded it. not_waiting: answered,
 * resolved, or a new wait began. rescheduled: a move to another queue put the moment later (a new job
 * waits for it). not_due: the moment it was scheduled for has not come by the database's clock (clocks
 * of two hosts apart): the caller retries.
 */
export type RaiseAlertOutcome =
  | { outcome: "raised"; alert: AlertView }
  | { outcome: "already_raised" | "not_waiting" }
  | { outcome: "rescheduled" | "not_due"; at: Date };

interface WaitRow {
  waiting: boolean;
  waiting_since: Date | null;
  queue_id: string | null;
  tier: CustomerTier;
  at: Date | null;
  due: boolean;
}

export async function raiseServiceLevelAlert(deps: RaiseAlertDeps, input: RaiseAlertInput): Promise<RaiseAlertOutcome> {
  const result = await withTransaction(deps.pool, async (tx): Promise<RaiseAlertOutcome> => {
    // Locked: an accept or a move waits until this alert is in, or this sees its outcome.
    const { rows } = await tx.query<WaitRow>(
      `SELECT cv.status IN ('queued', 'offered') AND cv.due_at IS NOT NULL AND cv.target_seconds IS NOT NULL AS waiting,
              cv.waiting_since, cv.queue_id, COALESCE(cv.service_tier, 'standard') AS tier,
              ${momentSql("$2::text")} AS at, ${momentSql("$2::text")} <= now() AS due
         FROM conversations cv WHERE cv.id = $1 FOR UPDATE`,
      [input.conversationId, input.kind],
    );
    const wait = rows[0];
    if (!wait?.waiting || !wait.waiting_since || !wait.at || wait.waiting_since.getTime() !== input.waitingSince.getTime()) {
      return { outcome: "not_waiting" };
    }
    if (!wait.due) {
      const unmoved = input.scheduledFor && input.scheduledFor.getTime() === wait.at.getTime();
      return { outcome: unmoved ? "not_due" : "rescheduled", at: wait.at };
    }
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO service_level_alerts (conversation_id, queue_id, kind, tier, channel, waiting_since, due_at, target_seconds, late_ms)
       SELECT cv.id, cv.queue_id, $2, $3, cv.channel, cv.waiting_since, cv.due_at, cv.target_seconds,
              round(extract(epoch FROM now()::timestamptz(3) - $4::timestamptz) * 1000)::integer
         FROM conversations cv WHERE cv.id = $1
       ON CONFLICT (conversation_id, kind, waiting_since) DO NOTHING RETURNING id`,
      [input.conversationId, input.kind, wait.tier, wait.at],
    );
    const id = inserted.rows[0]?.id;
    if (!id) return { outcome: "already_raised" };
    return { outcome: "raised", alert: (await loadAlert(tx, id))! };
  });

  if (result.outcome === "rescheduled") {
    await deps.queues.scheduleServiceLevelCheck(input.conversationId, input.kind, input.waitingSince, result.at);
  }
  if (result.outcome === "raised") {
    const members = await deps.pool.query<{ agent_id: string }>(`SELECT agent_id FROM queue_members WHERE queue_id = $1`, [result.alert.queueId]);
    await deps.events.publish({ type: "service_level.alert", alert: result.alert, memberAgentIds: members.rows.map((m) => m.agent_id) });
  }
  return result;
}
