// Agent states with reasons: the away reasons an admin keeps, and the history of each agent's states
// (periods written by a trigger on agents, so every code path that changes a state is recorded).
import type { AgentStatePeriodView, AwayReasonView, CreateAwayReasonBody, UpdateAwayReasonBody } from "../../../shared/api.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

const REASON = { id: true, name: true, active: true, position: true } as const;

const nameTaken = (name: string | undefined) => new AppError("CONFLICT", `An away reason named "${name}" exists already`);
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === "P2002";

export async function listAwayReasons(deps: { prisma: PrismaClient }, actor: Actor, opts: { includeRetired?: boolean } = {}): Promise<AwayReasonView[]> {
  assertCan(actor, "away_reasons.read");
  return deps.prisma.awayReason.findMany({
    where: opts.includeRetired ? {} : { active: true },
    select: REASON,
    orderBy: [{ position: "asc" }, { name: "asc" }],
  });
}

export async function createAwayReason(deps: { prisma: PrismaClient }, actor: Actor, body: CreateAwayReasonBody): Promise<AwayReasonView> {
  assertCan(actor, "away_reasons.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const created = await tx.awayReason.create({ data: { name: body.name, position: body.position }, select: REASON });
      await recordPrismaAudit(tx, { actorId: actor.id, action: "away_reason_created", entityType: "away_reason", entityId: created.id, data: { after: created } });
      return created;
    });
  } catch (err) {
    // The unique name index decides, so two admins adding one name at once cannot both win.
    throw isUniqueViolation(err) ? nameTaken(body.name) : err;
  }
}

/** Rename, reorder, or retire (active: false): a retired reason stays on the periods that used it. */
export async function updateAwayReason(deps: { prisma: PrismaClient }, actor: Actor, id: string, body: UpdateAwayReasonBody): Promise<AwayReasonView> {
  assertCan(actor, "away_reasons.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      // Locked so that two edits at once each audit what they really replaced.
      await tx.$executeRaw`SELECT 1 FROM away_reasons WHERE id = ${id}::uuid FOR UPDATE`;
      const before = await tx.awayReason.findUnique({ where: { id }, select: REASON });
      if (!before) throw new AppError("NOT_FOUND", "No such away reason");
      if (body.name !== undefined && (await tx.awayReason.findFirst({ where: { name: body.name, id: { not: id } }, select: { id: true } }))) {
        throw nameTaken(body.name);
      }
      const after = await tx.awayReason.update({
        where: { id },
        data: { name: body.name, active: body.active, position: body.position },
        select: REASON,
      });
      await recordPrismaAudit(tx, { actorId: actor.id, action: "away_reason_updated", entityType: "away_reason", entityId: id, data: { before, after } });
      return after;
    });
  } catch (err) {
    throw isUniqueViolation(err) ? nameTaken(body.name) : err;
  }
}

/** An agent's states over a time range (default: the last 24 hours), oldest first; yours, or anyone's for supervisors. */
export async function agentStateHistory(
  deps: { prisma: PrismaClient },
  actor: Actor,
  opts: { agentId: string; from?: Date | undefined; to?: Date | undefined },
): Promise<AgentStatePeriodView[]> {
  if (opts.agentId !== actor.id) assertCan(actor, "agents.read");
  const to = opts.to ?? new Date();
  const from = opts.from ?? new Date(to.getTime() - 24 * 3600 * 1000);
  if (from > to) throw new AppError("VALIDATION", "from must be before to");
  const periods = await deps.prisma.agentStatePeriod.findMany({
    // The periods that overlap [from, to): started before its end, not ended before its start.
    where: { agentId: opts.agentId, startedAt: { lt: to }, OR: [{ endedAt: null }, { endedAt: { gt: from } }] },
    select: { state: true, startedAt: true, endedAt: true, awayReason: { select: { name: true } } },
    orderBy: [{ startedAt: "asc" }, { id: "asc" }],
    take: 5000,
  });
  return periods.map((p) => ({
    state: p.state,
    awayReason: p.awayReason?.name ?? null,
    startedAt: p.startedAt.toISOString(),
    endedAt: p.endedAt?.toISOString() ?? null,
  }));
}
