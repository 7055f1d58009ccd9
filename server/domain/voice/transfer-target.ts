// A call goes only to an agent who can take it now: available, with a free voice slot (the same
// load and capacity the router counts). Otherwise AGENT_UNAVAILABLE, saying why.
import type pg from "pg";
import type { Presence } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";

/** Checks the target and moves the conversation to them, holding the target's voice load row as the router does. */
export async function reserveTransferTarget(
  pool: pg.Pool,
  opts: { conversationId: string; fromAgentId: string; toAgentId: string },
): Promise<{ name: string }> {
  if (opts.toAgentId === opts.fromAgentId) throw new AppError("VALIDATION", "toAgentId: this agent already has the call");
  return withTransaction(pool, async (tx) => {
    // The router cannot fill the slot meanwhile: it skips a load row that is locked.
    const target = await assertCanTakeCall(tx, opts.toAgentId, { lock: true });
    const moved = await tx.query(
      `UPDATE conversations SET assigned_agent_id = $2, updated_at = now() WHERE id = $1 AND assigned_agent_id = $3`,
      [opts.conversationId, opts.toAgentId, opts.fromAgentId],
    );
    if (!moved.rowCount) throw new AppError("CONFLICT", "The call changed hands meanwhile: look again");
    return { name: target.name };
  });
}

/** AGENT_UNAVAILABLE (saying why) unless the agent is available with a free voice slot; `lock` holds their load row. */
export async function assertCanTakeCall(db: Pick<pg.PoolClient, "query">, agentId: string, opts: { lock?: boolean } = {}): Promise<{ name: string }> {
  const { rows } = await db.query<{ name: string; presence: Presence; load: number; capacity: number }>(
    `SELECT a.name, a.presence, l.assigned + l.offered AS load, a.capacity_voice AS capacity
       FROM agents a JOIN agent_loads l ON l.agent_id = a.id AND l.channel = 'voice'
      WHERE a.id = $1 ${opts.lock ? "FOR UPDATE OF l" : ""}`,
    [agentId],
  );
  const target = rows[0];
  if (!target) throw new AppError("NOT_FOUND", "No such agent to transfer to");
  if (target.presence !== "available" || target.load >= target.capacity) {
    const reason = target.presence !== "available" ? "not_available" : "no_free_capacity";
    throw new AppError(
      "AGENT_UNAVAILABLE",
      reason === "not_available" ? `${target.name} is ${target.presence.replace("_", " ")}: they cannot take a call now` : `${target.name} has no free line for a call`,
      { agentId, name: target.name, presence: target.presence, load: target.load, capacity: target.capacity, reason },
    );
  }
  return { name: target.name };
}

/** Twilio refused to ring the target: the call stays with the agent who had it. */
export async function undoTransfer(pool: pg.Pool, opts: { conversationId: string; fromAgentId: string; toAgentId: string }): Promise<void> {
  await pool.query(`UPDATE conversations SET assigned_agent_id = $3, updated_at = now() WHERE id = $1 AND assigned_agent_id = $2`, [
    opts.conversationId,
    opts.toAgentId,
    opts.fromAgentId,
  ]);
}
