// Agent states with reasons: the away reasons an admin keeps, and the history of each agent's states
// (periods written by a trigger on agents, so every code path that changes a state is recorded).
import type pg from "pg";
import type { AgentStatePeriodView, AwayReasonView, CreateAwayReasonBody, UpdateAwayReasonBody } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

const REASON_COLUMNS = "id, name, active, position";

export async function listAwayReasons(deps: { pool: pg.Pool }, actor: Actor, opts: { includeRetired?: boolean } = {}): Promise<AwayReasonView[]> {
  assertCan(actor, "away_reasons.read");
  const { rows } = await deps.pool.query<AwayReasonView>(
    `SELECT ${REASON_COLUMNS} FROM away_reasons ${opts.includeRetired ? "" : "WHERE active"} ORDER BY position, name`,
  );
  return rows;
}

export async function createAwayReason(deps: { pool: pg.Pool }, actor: Actor, body: CreateAwayReasonBody): Promise<AwayReasonView> {
  assertCan(actor, "away_reasons.manage");
  return withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<AwayReasonView>(
      `INSERT INTO away_reasons (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING ${REASON_COLUMNS}`,
      [body.name, body.position],
    );
    if (!rows[0]) throw new AppError("CONFLICT", `An away reason named "${body.name}" exists already`);
    await recordAudit(tx, { actorId: actor.id, action: "away_reason_created", entityType: "away_reason", entityId: rows[0].id, data: { after: rows[0] } });
    return rows[0];
  });
}

/** Rename, reorder, or retire (active: false): a retired reason stays on the periods that used it. */
export async function updateAwayReason(deps: { pool: pg.Pool }, actor: Actor, id: string, body: UpdateAwayReasonBody): Promise<AwayReasonView> {
  assertCan(actor, "away_reasons.manage");
  return withTransaction(deps.pool, async (tx) => {
    const before = (await tx.query<AwayReasonView>(`SELECT ${REASON_COLUMNS} FROM away_reasons WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (!before) throw new AppError("NOT_FOUND", "No such away reason");
    const { rows } = await tx.query<AwayReasonView>(
      `UPDATE away_reasons SET name = COALESCE($2, name), active = COALESCE($3, active), position = COALESCE($4, position)
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM away_reasons o WHERE o.name = $2 AND o.id <> $1)
        RETURNING ${REASON_COLUMNS}`,
      [id, body.name ?? null, body.active ?? null, body.position ?? null],
    );
    if (!rows[0]) throw new AppError("CONFLICT", `An away reason named "${body.name}" exists already`);
    await recordAudit(tx, { actorId: actor.id, action: "away_reason_updated", entityType: "away_reason", entityId: id, data: { before, after: rows[0] } });
    return rows[0];
  });
}

/** An agent's states over a time range (default: the last 24 hours), oldest first; yours, or anyone's for supervisors. */
export async function agentStateHistory(
  deps: { pool: pg.Pool },
  actor: Actor,
  opts: { agentId: string; from?: Date | undefined; to?: Date | undefined },
): Promise<AgentStatePeriodView[]> {
  if (opts.agentId !== actor.id) assertCan(actor, "agents.read");
  const to = opts.to ?? new Date();
  const from = opts.from ?? new Date(to.getTime() - 24 * 3600 * 1000);
  if (from > to) throw new AppError("VALIDATION", "from must be before to");
  const { rows } = await deps.pool.query<{ state: AgentStatePeriodView["state"]; away_reason: string | null; started_at: Date; ended_at: Date | null }>(
    `SELECT p.state, r.name AS away_reason, p.started_at, p.ended_at
       FROM agent_state_periods p LEFT JOIN away_reasons r ON r.id = p.away_reason_id
      WHERE p.agent_id = $1 AND p.started_at < $3 AND (p.ended_at IS NULL OR p.ended_at > $2)
      ORDER BY p.started_at, p.id LIMIT 5000`,
    [opts.agentId, from, to],
  );
  return rows.map((r) => ({ state: r.state, awayReason: r.away_reason, startedAt: r.started_at.toISOString(), endedAt: r.ended_at?.toISOString() ?? null }));
}

