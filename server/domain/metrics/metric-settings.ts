// How the metrics count (one row, metric_settings): the board and the reports read it; admins change it,
// audited in the same transaction.
import { AbandonsWithinTarget, CallbackCounting, type MetricSettings, type MetricSettingsInput } from "../../../shared/metrics.ts";
import type { z } from "zod";
import type { PrismaClient } from "../../db/client.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { recordPrismaAudit } from "../audit.ts";

type Row = { shortAbandonSeconds: number; abandonsWithinTarget: string; callbacks: string };

export const settingsOf = (r: Row): MetricSettings => ({
  shortAbandonSeconds: r.shortAbandonSeconds,
  abandonsWithinTarget: AbandonsWithinTarget.parse(r.abandonsWithinTarget),
  callbacks: CallbackCounting.parse(r.callbacks),
});

/** The settings in force (the migration writes the one row; it is never deleted). */
export async function readMetricSettings(deps: { prisma: PrismaClient }): Promise<MetricSettings> {
  return settingsOf(await deps.prisma.metricSettings.findUniqueOrThrow({ where: { id: true } }));
}

export async function getMetricSettings(deps: { prisma: PrismaClient }, actor: Actor): Promise<MetricSettings> {
  assertCan(actor, "metric_settings.read");
  return readMetricSettings(deps);
}

export async function updateMetricSettings(
  deps: { prisma: PrismaClient },
  actor: Actor,
  input: z.infer<typeof MetricSettingsInput>,
): Promise<MetricSettings> {
  assertCan(actor, "metric_settings.manage");
  return deps.prisma.$transaction(async (tx) => {
    const before = settingsOf(await tx.metricSettings.findUniqueOrThrow({ where: { id: true } }));
    const after = settingsOf(await tx.metricSettings.update({ where: { id: true }, data: { ...input, updatedAt: new Date() } }));
    await recordPrismaAudit(tx, { actorId: actor.id, action: "metric_settings_updated", entityType: "metric_settings", entityId: "metric_settings", data: { before, after } });
    return after;
  });
}
