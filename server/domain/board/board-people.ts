// The board's agents (state, time in it, load per channel against capacity, what they handle now) and
// the line of waiting work, oldest due first.
import type pg from "pg";
import type { BoardAgentConversation, BoardAgentRow, BoardLoad, BoardWaitingItem } from "../../../shared/board.ts";
import type { Channel, CustomerTier, Presence } from "../../../shared/domain.ts";
import { customerNameOf } from "../views.ts";

import { uuidArray, uuidsOf, writtenSince, type BoardQuery, type SeenSnapshot } from "./board-query.ts";

/** The waiting items shown (the counts on the queue rows are always whole). */
export const WAITING_SHOWN = 200;


interface AgentRow {
  id: string; name: string; role: BoardAgentRow["role"]; presence: Presence; presence_changed_at: Date; away_reason: string | null; away_reason_id: string | null;
}
interface LoadRow { agent_id: string; channel: Channel; assigned: number; offered: number; capacity: number }
interface HandledRow {
  id: string; agent_id: string; channel: Channel; status: "assigned" | "pending_customer"; queue_id: string | null;
  display_name: string | null; customer_address: string; since: Date;
}

/**
 * Which agents to read: all, or those named, whoever holds (or is offered) the conversations named, and
 * every agent whose row, loads or open work was written since the snapshot `since` (the last read's):
 * the events name what changed, but one committed just before this read may not have arrived yet, and
 * without its agent this read's queue rows would count work its agent rows do not show.
 */
export type AgentScope = { agentIds: string[]; conversationIds: string[]; since: SeenSnapshot } | null;

export interface BoardAgents {
  rows: BoardAgentRow[];
  /** With a scope: every agent it came to (those not in `rows` are gone: deactivated). */
  asked: string[] | null;
}

/**
 * Every active agent's row, or (with a scope) just some agents' rows: the live feed reads again only the
 * agents an event touched. Four statements (three without a scope).
 */
export function boardAgentsQuery(scope: AgentScope): BoardQuery<BoardAgents> {
  const ids = scope ? uuidArray(uuidsOf(scope.agentIds)) : "";
  const conversations = scope ? uuidArray(uuidsOf(scope.conversationIds)) : "";
  const since = scope?.since;
  const asked = !scope || !since ? "" : `(SELECT unnest(${ids})
      UNION SELECT assigned_agent_id FROM conversations WHERE id = ANY(${conversations}) AND assigned_agent_id IS NOT NULL
      UNION SELECT agent_id FROM offers WHERE conversation_id = ANY(${conversations}) AND status = 'pending'
      UNION SELECT a.id FROM agents a WHERE ${writtenSince(since, "a")}
      UNION SELECT l.agent_id FROM agent_loads l WHERE ${writtenSince(since, "l")}
      UNION SELECT w.assigned_agent_id FROM conversations w
             WHERE w.status IN ('assigned', 'pending_customer') AND w.assigned_agent_id IS NOT NULL AND ${writtenSince(since, "w")})`;
  const sql = [
    `SELECT a.id, a.name, a.role, a.presence, a.presence_changed_at, r.name AS away_reason, a.away_reason_id
       FROM agents a LEFT JOIN away_reasons r ON r.id = a.away_reason_id
      WHERE a.deactivated_at IS NULL ${scope ? `AND a.id IN ${asked}` : ""} ORDER BY a.name, a.id`,
    `SELECT agent_id, channel, assigned, offered, capacity FROM agent_loads ${scope ? `WHERE agent_id IN ${asked}` : ""} ORDER BY channel`,
    `SELECT cv.id, cv.assigned_agent_id AS agent_id, cv.channel, cv.status, cv.queue_id, cu.display_name, cv.customer_address,
            COALESCE(hp.started_at, cv.updated_at) AS since
       FROM conversations cv
       JOIN customers cu ON cu.id = cv.customer_id
       LEFT JOIN handling_periods hp ON hp.conversation_id = cv.id AND hp.ended_at IS NULL
      WHERE cv.status IN ('assigned', 'pending_customer') AND cv.assigned_agent_id IS NOT NULL
            ${scope ? `AND cv.assigned_agent_id IN ${asked}` : ""}
      ORDER BY since, cv.id`,
  ];
  if (scope) sql.push(`SELECT id::text FROM ${asked} AS asked(id)`);
  return {
    sql,
    from: ([agents, loads, handled, askedRows]) => ({
      rows: agentRows(agents as pg.QueryResult<AgentRow>, loads as pg.QueryResult<LoadRow>, handled as pg.QueryResult<HandledRow>),
      asked: askedRows ? (askedRows as pg.QueryResult<{ id: string }>).rows.map((r) => r.id) : null,
    }),
  };
}

function agentRows(agents: pg.QueryResult<AgentRow>, loads: pg.QueryResult<LoadRow>, handled: pg.QueryResult<HandledRow>): BoardAgentRow[] {
  const loadsOf = new Map<string, BoardLoad[]>();
  for (const l of loads.rows) {
    const list = loadsOf.get(l.agent_id) ?? [];
    list.push({ channel: l.channel, assigned: l.assigned, offered: l.offered, capacity: l.capacity });
    loadsOf.set(l.agent_id, list);
  }
  const handledBy = new Map<string, BoardAgentConversation[]>();
  for (const h of handled.rows) {
    const list = handledBy.get(h.agent_id) ?? [];
    list.push({
      id: h.id, channel: h.channel, status: h.status, queueId: h.queue_id,
      customerName: customerNameOf(h.display_name, h.customer_address, h.channel), since: h.since.toISOString(),
    });
    handledBy.set(h.agent_id, list);
  }
  return agents.rows.map((a) => ({
    id: a.id, name: a.name, role: a.role, presence: a.presence, since: a.presence_changed_at.toISOString(), awayReason: a.away_reason, awayReasonId: a.away_reason_id,
    loads: loadsOf.get(a.id) ?? [], conversations: handledBy.get(a.id) ?? [],
  }));
}


interface WaitingRow {
  id: string; queue_id: string | null; channel: Channel; status: "queued" | "offered"; display_name: string | null; customer_address: string;
  tier: CustomerTier; waiting_since: Date; due_at: Date | null; offered_to: string | null;
}

/** The line, oldest due first (one statement). */
export const boardWaitingQuery: BoardQuery<BoardWaitingItem[]> = {
  sql: [
    `SELECT cv.id, cv.queue_id, cv.channel, cv.status, cu.display_name, cv.customer_address, COALESCE(cv.service_tier, cu.tier) AS tier,
            cv.waiting_since, cv.due_at,
            (SELECT o.agent_id FROM offers o WHERE o.conversation_id = cv.id AND o.status = 'pending' LIMIT 1) AS offered_to
       FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
      WHERE cv.status IN ('queued', 'offered') AND cv.waiting_since IS NOT NULL
      ORDER BY cv.due_at ASC NULLS LAST, cv.waiting_since, cv.id LIMIT ${WAITING_SHOWN}`,
  ],
  from: ([result]) => waitingItems(result as pg.QueryResult<WaitingRow>),
};

function waitingItems({ rows }: pg.QueryResult<WaitingRow>): BoardWaitingItem[] {
  return rows.map((r) => ({
    conversationId: r.id, queueId: r.queue_id, channel: r.channel, status: r.status,
    customerName: customerNameOf(r.display_name, r.customer_address, r.channel), tier: r.tier,
    waitingSince: r.waiting_since.toISOString(), dueAt: r.due_at ? r.due_at.toISOString() : null, offeredToAgentId: r.offered_to,
  }));
}
