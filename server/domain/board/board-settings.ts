// The limits past which the board raises an agent alert (wrap-up, away): supervisors read, admins set.
import type { BoardSettings } from "../../../shared/board.ts";
import type { PrismaClient } from "../../db/client.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

const view = (r: { wrapUpAlertSeconds: number; awayAlertSeconds: number }): BoardSettings => ({
  wrapUpAlertSeconds: r.wrapUpAlertSeconds,
  awayAlertSeconds: r.awayAlertSeconds,
});

export async function readBoardSettings(deps: { prisma: PrismaClient }, actor: Actor): Promise<BoardSettings> {
  assertCan(actor, "board.read");
  // The migration inserts the one row; upsert keeps a database restored without it working.
  return view(await deps.prisma.boardSettings.upsert({ where: { id: true }, create: {}, update: {} }));
}

export async function updateBoardSettings(deps: { prisma: PrismaClient }, actor: Actor, input: Partial<BoardSettings>): Promise<BoardSettings> {
  assertCan(actor, "board.manage");
  return deps.prisma.$transaction(async (tx) => {
    const before = await tx.boardSettings.upsert({ where: { id: true }, create: {}, update: {} });
    const after = await tx.boardSettings.update({ where: { id: true }, data: { ...input, updatedAt: new Date() } });
    await recordPrismaAudit(tx, {
      actorId: actor.id, action: "board_settings_updated", entityType: "board_settings", entityId: "board",
      data: { before: view(before), after: view(after) },
    });
    return view(after);
  });
}
