// Whether an agent's browser softphone can ring now. The workspace's Twilio Device reports "registered"
// and "unregistered"; the agent's last socket closing clears it (a closed tab reports nothing). Routing
// offers calls only to agents whose softphone is registered or who take calls on a forward phone.
import { closeOffer } from "../routing/answer-offer.ts";
import type { RoutingDeps } from "../routing/match.ts";

export async function reportSoftphone(deps: RoutingDeps, opts: { agentId: string; registered: boolean }): Promise<void> {
  const { rows } = await deps.pool.query<{ was_ready: boolean }>(
    `UPDATE agents a SET softphone_ready_at = CASE WHEN $2 THEN COALESCE(a.softphone_ready_at, now()) ELSE NULL END
       FROM agents before WHERE a.id = $1 AND before.id = a.id
     RETURNING before.softphone_ready_at IS NOT NULL AS was_ready`,
    [opts.agentId, opts.registered],
  );
  const wasReady = rows[0]?.was_ready;
  if (wasReady === undefined || wasReady === opts.registered) return;
  if (opts.registered) {
    // Calls that waited for someone who can take them may be this agent's now.
    await deps.queues.agentMayTakeWork(opts.agentId);
    return;
  }
  // A call offered to a softphone that just went away would ring nowhere: it goes to the next agent.
  const pending = await deps.pool.query<{ id: string }>(
    `SELECT o.id FROM offers o JOIN agents a ON a.id = o.agent_id
      WHERE o.agent_id = $1 AND o.status = 'pending' AND o.channel = 'voice' AND a.forward_phone IS NULL`,
    [opts.agentId],
  );
  for (const offer of pending.rows) await closeOffer(deps, { offerId: offer.id, status: "withdrawn" });
}
