// The board's queue rows: per queue and channel, what waits now and how today went ("today" from
// midnight in the queue's own time zone). Counted from the database each time, never kept in step.
import type pg from "pg";
import type { BoardQueueRow, BoardTierLevel } from "../../../shared/board.ts";
import { Channel as ChannelEnum, CustomerTier as TierEnum, type Channel, type CustomerTier } from "../../../shared/domain.ts";

const CHANNELS = ChannelEnum.options;
const CUSTOMER_TIERS = TierEnum.options;
import { WARNING_SHARE } from "../../../shared/service-levels.ts";
import { addWaitCounts, averageSpeedOfAnswer, emptyWaitCounts, waitCountColumns, waitCounts, type WaitCountRow, type WaitCounts } from "../metrics/wait-counts.ts";

import type { BoardQuery } from "./board-query.ts";

interface QueueRow { id: string; name: string; timezone: string }
interface TodayRow extends WaitCountRow { queue_id: string; channel: Channel; tier: CustomerTier }
interface NowRow { queue_id: string; channel: Channel; waiting: number; oldest: Date | null; due_soon: number; breached: number; in_progress: number }

const TODAY_SQL = `
  WITH q AS (SELECT id, (date_trunc('day', now() AT TIME ZONE timezone) AT TIME ZONE timezone) AS day_start FROM queues),
       first AS (SELECT min(day_start) AS at FROM q)
  SELECT w.queue_id, w.channel, w.tier, ${waitCountColumns("w.entered_at >= q.day_start", "w.ended_at >= q.day_start")}
    FROM queue_waits w JOIN q ON q.id = w.queue_id CROSS JOIN metric_settings s
   WHERE w.entered_at >= (SELECT at FROM first) OR w.ended_at >= (SELECT at FROM first)
   GROUP BY w.queue_id, w.channel, w.tier`;

// One pass over the open work: waiting (queued or offered) and handled (assigned or with the customer).
const NOW_SQL = `
  SELECT cv.queue_id, cv.channel,
         count(*) FILTER (WHERE cv.status IN ('queued', 'offered') AND cv.waiting_since IS NOT NULL)::int AS waiting,
         min(cv.waiting_since) FILTER (WHERE cv.status IN ('queued', 'offered')) AS oldest,
         count(*) FILTER (WHERE cv.status IN ('queued', 'offered') AND cv.due_at IS NOT NULL AND now() < cv.due_at
                            AND now() >= cv.waiting_since + cv.target_seconds * ${WARNING_SHARE * 1000} * interval '1 millisecond')::int AS due_soon,
         count(*) FILTER (WHERE cv.status IN ('queued', 'offered') AND now() >= cv.due_at)::int AS breached,
         count(*) FILTER (WHERE cv.status IN ('assigned', 'pending_customer') AND cv.assigned_agent_id IS NOT NULL)::int AS in_progress
    FROM conversations cv
   WHERE cv.status IN ('queued', 'offered', 'assigned', 'pending_customer') AND cv.queue_id IS NOT NULL
   GROUP BY cv.queue_id, cv.channel`;

/** The queue rows: three statements, sent with the rest of the board in one round trip (read-board.ts). */
export const boardQueuesQuery: BoardQuery<BoardQueueRow[]> = {
  sql: [`SELECT id, name, timezone FROM queues ORDER BY name, id`, TODAY_SQL, NOW_SQL],
  from: ([queues, today, open]) => queueRows(queues as pg.QueryResult<QueueRow>, today as pg.QueryResult<TodayRow>, open as pg.QueryResult<NowRow>),
};

function queueRows(queues: pg.QueryResult<QueueRow>, today: pg.QueryResult<TodayRow>, open: pg.QueryResult<NowRow>): BoardQueueRow[] {
  const key = (queueId: string, channel: Channel) => `${queueId}:${channel}`;
  const counts = new Map<string, { total: WaitCounts; tiers: Map<CustomerTier, WaitCounts> }>();
  for (const r of today.rows) {
    const k = key(r.queue_id, r.channel);
    const entry = counts.get(k) ?? { total: emptyWaitCounts(), tiers: new Map() };
    const c = waitCounts(r);
    entry.total = addWaitCounts(entry.total, c);
    entry.tiers.set(r.tier, addWaitCounts(entry.tiers.get(r.tier) ?? emptyWaitCounts(), c));
    counts.set(k, entry);
  }
  const now = new Map(open.rows.map((r) => [key(r.queue_id, r.channel), r]));
  const rows: BoardQueueRow[] = [];
  for (const q of queues.rows) {
    for (const channel of CHANNELS) {
      const k = key(q.id, channel);
      const c = counts.get(k);
      const n = now.get(k);
      const total = c?.total ?? emptyWaitCounts();
      const tiers: BoardTierLevel[] = CUSTOMER_TIERS.map((tier) => {
        const t = c?.tiers.get(tier) ?? emptyWaitCounts();
        return { tier, counted: t.slCounted, met: t.slMet };
      });
      rows.push({
        key: k, queueId: q.id, queueName: q.name, timezone: q.timezone, channel,
        waiting: n?.waiting ?? 0,
        oldestWaitingSince: n?.oldest ? n.oldest.toISOString() : null,
        dueSoon: n?.due_soon ?? 0,
        breached: n?.breached ?? 0,
        inProgress: n?.in_progress ?? 0,
        offered: total.offered,
        answered: total.answered,
        abandoned: total.abandoned,
        shortAbandoned: total.shortAbandoned,
        asaSeconds: averageSpeedOfAnswer(total),
        tiers,
      });
    }
  }
  return rows;
}
