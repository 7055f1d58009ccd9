// An agent sets their presence. Going available pulls waiting work; leaving withdraws pending offers.
import type { AgentView } from "../../../shared/api.ts";
import type { SettablePresence } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";
import { closeOffer } from "../routing/answer-offer.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";

export async function setPresence(
  deps: RoutingDeps,
  opts: { agentId: string; presence: SettablePresence; awayReasonId?: string | null | undefined },
): Promise<AgentView> {
  const reasonId = opts.presence === "away" ? (opts.awayReasonId ?? null) : null;
  if (reasonId) {
    const { rows } = await deps.pool.query(`SELECT 1 FROM away_reasons WHERE id = $1 AND active`, [reasonId]);
    if (!rows[0]) throw new AppError("VALIDATION", "awayReasonId: no such away reason (or it was retired)");
  }
  // The trigger on agents records the period (state and reason) this change ends and the one it opens.
  const { rows } = await deps.pool.query<AgentRow>(
    `UPDATE agents a SET presence = $2, away_reason_id = $3,
       presence_changed_at = CASE WHEN presence = $2 THEN presence_changed_at ELSE now() END
     WHERE id = $1 RETURNING ${AGENT_COLUMNS}`,
    [opts.agentId, opts.presence, reasonId],
  );
  if (!rows[0]) throw new AppError("NOT_FOUND", "No such agent");
  return presenceChanged(deps, agentView(rows[0]), opts.presence);
}

/** After the change: tell everyone; going available pulls waiting work, leaving withdraws pending offers. */
async function presenceChanged(deps: RoutingDeps, agent: AgentView, presence: SettablePresence): Promise<AgentView> {
  await deps.events.publish({ type: "agent.updated", agent });
  if (presence === "available") {
    await deps.queues.agentMayTakeWork(agent.id);
  } else {
    const pending = await deps.pool.query<{ id: string }>(`SELECT id FROM offers WHERE agent_id = $1 AND status = 'pending'`, [agent.id]);
    for (const offer of pending.rows) await closeOffer(deps, { offerId: offer.id, status: "withdrawn" });
  }
  return agent;
}

/** The agent's last socket closed a while ago: an agent nobody can reach is not offered work. */
export async function goOfflineIfAway(deps: RoutingDeps, agentId: string): Promise<void> {
  // The condition is in the UPDATE: two processes that find the agent gone at once change them once.
  const { rows } = await deps.pool.query<AgentRow>(
    `UPDATE agents a SET presence = 'offline', presence_changed_at = now()
      WHERE id = $1 AND presence IN ('available', 'away') RETURNING ${AGENT_COLUMNS}`,
    [agentId],
  );
  if (rows[0]) await presenceChanged(deps, agentView(rows[0]), "offline");
}
