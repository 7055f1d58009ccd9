// The board's alerts, derived from the state now: a wait past its warning point or due time (the
// service-level alerts the sweep raised once per wait), a queue whose oldest wait is over its limit, an
// agent in wrap-up or away too long, a failing channel. Each lasts while its condition does and keeps
// one id and text meanwhile (ages are drawn by the client from raisedAt), so a screen announces it once.
import type pg from "pg";
import type { BoardAlert } from "../../../shared/board.ts";
import type { Channel, CustomerTier } from "../../../shared/domain.ts";
import { customerNameOf } from "../views.ts";

import type { BoardQuery } from "./board-query.ts";

const minutes = (s: number) => (s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
const CHANNEL_NAMES: Record<Channel, string> = { sms: "SMS", voice: "Voice", email: "Email", chat: "Chat" };

interface SlRow {
  id: string; kind: "warning" | "breach"; conversation_id: string; queue_id: string | null; queue_name: string | null; channel: Channel;
  tier: CustomerTier; raised_at: Date; target_seconds: number; display_name: string | null; customer_address: string;
}
interface QueueRow { queue_id: string; queue_name: string; channel: Channel; oldest: Date; limit_seconds: number; waiting: number }
interface AgentRow { id: string; name: string; presence: "wrap_up" | "away"; since: Date; limit_seconds: number; away_reason: string | null }
interface ChannelRow { channel: Channel; since: Date; reason: string | null }

/** The alerts: four statements, sent with the rest of the board in one round trip (read-board.ts). */
export const boardAlertsQuery: BoardQuery<BoardAlert[]> = {
  sql: [
    // The latest alert of each wait that still goes on (a breach supersedes its warning).
    `SELECT DISTINCT ON (a.conversation_id) a.id, a.kind, a.conversation_id, a.queue_id, q.name AS queue_name, a.channel, a.tier,
            a.raised_at, a.target_seconds, cu.display_name, cv.customer_address
       FROM conversations cv
       JOIN service_level_alerts a ON a.conversation_id = cv.id AND a.waiting_since = cv.waiting_since
       JOIN customers cu ON cu.id = cv.customer_id
       LEFT JOIN queues q ON q.id = a.queue_id
      WHERE cv.status IN ('queued', 'offered') AND cv.waiting_since IS NOT NULL
      ORDER BY a.conversation_id, (a.kind = 'breach') DESC, a.raised_at DESC`,
    `SELECT cv.queue_id, q.name AS queue_name, cv.channel, min(cv.waiting_since) AS oldest, count(*)::int AS waiting,
            q.waiting_alert_seconds AS limit_seconds
       FROM conversations cv JOIN queues q ON q.id = cv.queue_id
      WHERE cv.status IN ('queued', 'offered') AND cv.waiting_since IS NOT NULL
      GROUP BY cv.queue_id, q.name, cv.channel, q.waiting_alert_seconds
     HAVING now() - min(cv.waiting_since) > make_interval(secs => q.waiting_alert_seconds)`,
    `SELECT a.id, a.name, a.presence, a.presence_changed_at AS since, r.name AS away_reason,
            CASE a.presence WHEN 'wrap_up' THEN s.wrap_up_alert_seconds ELSE s.away_alert_seconds END AS limit_seconds
       FROM agents a CROSS JOIN board_settings s LEFT JOIN away_reasons r ON r.id = a.away_reason_id
      WHERE a.deactivated_at IS NULL AND a.presence IN ('wrap_up', 'away')
        AND now() - a.presence_changed_at > make_interval(secs => CASE a.presence WHEN 'wrap_up' THEN s.wrap_up_alert_seconds ELSE s.away_alert_seconds END)`,
    `SELECT channel, since, reason FROM channel_health WHERE status = 'failing'`,
  ],
  from: ([sl, queues, agents, channels]) =>
    alertsOf(sl as pg.QueryResult<SlRow>, queues as pg.QueryResult<QueueRow>, agents as pg.QueryResult<AgentRow>, channels as pg.QueryResult<ChannelRow>),
};

function alertsOf(sl: pg.QueryResult<SlRow>, queues: pg.QueryResult<QueueRow>, agents: pg.QueryResult<AgentRow>, channels: pg.QueryResult<ChannelRow>): BoardAlert[] {

  const alerts: BoardAlert[] = [];
  for (const r of channels.rows) {
    alerts.push({
      id: `channel_failing:${r.channel}:${r.since.getTime()}`, kind: "channel_failing", severity: "critical",
      text: `${CHANNEL_NAMES[r.channel]} is failing${r.reason ? `: ${r.reason}` : ""}`,
      raisedAt: r.since.toISOString(), queueId: null, agentId: null, conversationId: null, channel: r.channel,
    });
  }
  for (const r of sl.rows) {
    const who = customerNameOf(r.display_name, r.customer_address, r.channel);
    alerts.push({
      id: `sl:${r.id}`, kind: r.kind === "breach" ? "service_level_breach" : "service_level_warning", severity: r.kind === "breach" ? "critical" : "warning",
      text: `${who} (${r.tier}, ${CHANNEL_NAMES[r.channel]}) ${r.kind === "breach" ? "is past" : "is near"} the ${minutes(r.target_seconds)} target in ${r.queue_name ?? "no queue"}`,
      raisedAt: r.raised_at.toISOString(), queueId: r.queue_id, agentId: null, conversationId: r.conversation_id, channel: r.channel,
    });
  }
  for (const r of queues.rows) {
    alerts.push({
      id: `queue_waiting:${r.queue_id}:${r.channel}`, kind: "queue_waiting", severity: "warning",
      text: `${r.queue_name} ${CHANNEL_NAMES[r.channel]}: ${r.waiting} waiting, the oldest past the ${minutes(r.limit_seconds)} limit`,
      raisedAt: new Date(r.oldest.getTime() + r.limit_seconds * 1000).toISOString(), queueId: r.queue_id, agentId: null, conversationId: null, channel: r.channel,
    });
  }
  for (const r of agents.rows) {
    const state = r.presence === "wrap_up" ? "in wrap-up" : `away${r.away_reason ? ` (${r.away_reason})` : ""}`;
    alerts.push({
      id: `agent_${r.presence}:${r.id}:${r.since.getTime()}`, kind: r.presence === "wrap_up" ? "agent_wrap_up" : "agent_away", severity: "warning",
      text: `${r.name} has been ${state} past the ${minutes(r.limit_seconds)} limit`,
      raisedAt: new Date(r.since.getTime() + r.limit_seconds * 1000).toISOString(), queueId: null, agentId: r.id, conversationId: null, channel: null,
    });
  }
  return alerts.sort((a, b) => (a.severity === b.severity ? b.raisedAt.localeCompare(a.raisedAt) : a.severity === "critical" ? -1 : 1));
}
