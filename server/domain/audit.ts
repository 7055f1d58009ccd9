// Audit events: who changed what, written in the same transaction as the change (pass its client).
// Two doors to one table: recordAudit for code that runs in a pg transaction (the hot paths that stay in
// hand SQL), recordPrismaAudit for code that runs in a Prisma transaction (ordinary records).
import type pg from "pg";
import type { Prisma } from "../db/client.ts";

export interface AuditEventInput {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  data?: Record<string, unknown>;
}

/** The data as the pg door stores it (JSON.stringify: Dates become ISO strings, undefined keys vanish). */
const storedData = (data: Record<string, unknown> | undefined) => JSON.parse(JSON.stringify(data ?? {})) as Prisma.InputJsonObject;

export async function recordAudit(tx: pg.PoolClient, event: AuditEventInput): Promise<void> {
  // The INSERT rides the caller's pg client, so it commits or rolls back with their change.
  await tx.query(`INSERT INTO audit_events (actor_id, action, entity_type, entity_id, data) VALUES ($1, $2, $3, $4, $5)`, [
    event.actorId,
    event.action,
    event.entityType,
    event.entityId,
    JSON.stringify(event.data ?? {}),
  ]);
}

/** The same row inside a Prisma interactive transaction (tx from prisma.$transaction). */
export async function recordPrismaAudit(tx: Prisma.TransactionClient, event: AuditEventInput): Promise<void> {
  await tx.auditEvent.create({
    data: { actorId: event.actorId, action: event.action, entityType: event.entityType, entityId: event.entityId, data: storedData(event.data) },
  });
}
