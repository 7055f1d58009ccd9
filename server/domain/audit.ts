// Audit events: who changed what, written in the same transaction as the change (pass its client).
import type pg from "pg";

export async function recordAudit(
  tx: pg.PoolClient,
  event: { actorId: string | null; action: string; entityType: string; entityId: string; data?: Record<string, unknown> },
): Promise<void> {
  await tx.query(`INSERT INTO audit_events (actor_id, action, entity_type, entity_id, data) VALUES ($1, $2, $3, $4, $5)`, [
    event.actorId,
    event.action,
    event.entityType,
    event.entityId,
    JSON.stringify(event.data ?? {}),
  ]);
}
