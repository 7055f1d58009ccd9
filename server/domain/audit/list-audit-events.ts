// The audit log for admins: newest first, filtered, paged by a keyset cursor on (created_at, id) so a
// row written while someone pages never shows twice or goes missing between pages.
import { encodeAuditCursor, type AuditEventsPage, type AuditEventsQuery } from "../../../shared/audit.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

export async function listAuditEvents(deps: { prisma: PrismaClient }, actor: Actor, query: AuditEventsQuery): Promise<AuditEventsPage> {
  assertCan(actor, "audit.read");
  const where: Prisma.AuditEventWhereInput = {
    ...(query.entityType ? { entityType: query.entityType } : {}),
    ...(query.entityId ? { entityId: query.entityId } : {}),
    ...(query.actorId ? { actorId: query.actorId } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.before
      ? { OR: [{ createdAt: { lt: query.before.createdAt } }, { createdAt: query.before.createdAt, id: { lt: query.before.id } }] }
      : {}),
  };
  // One row more than asked says whether an older page exists.
  const rows = await deps.prisma.auditEvent.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    select: { id: true, createdAt: true, action: true, entityType: true, entityId: true, data: true, actor: { select: { id: true, name: true } } },
  });
  const events = rows.slice(0, query.limit).map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  const last = events.at(-1);
  return { events, nextCursor: rows.length > query.limit && last ? encodeAuditCursor(last) : null };
}
