// The service-level alerts raised, newest first: what the supervisors' board shows and catches up on.
import type { AlertView, ServiceLevelAlertKind, ServiceLevelAlertsQuery } from "../../../shared/service-levels.ts";
import type { PrismaClient } from "../../db/client.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { alertView } from "./alert-views.ts";

export async function listServiceLevelAlerts(deps: { prisma: PrismaClient }, actor: Actor, query: ServiceLevelAlertsQuery): Promise<AlertView[]> {
  assertCan(actor, "alerts.read");
  const alerts = await deps.prisma.serviceLevelAlert.findMany({
    where: { ...(query.since ? { raisedAt: { gte: query.since } } : {}), ...(query.queueId ? { queueId: query.queueId } : {}) },
    include: {
      conversation: { select: { customerId: true, customerAddress: true, customer: { select: { displayName: true } } } },
      queue: { select: { name: true } },
    },
    orderBy: [{ raisedAt: "desc" }, { id: "desc" }],
    take: query.limit,
  });
  // The same row the hand-SQL readers (raise-alert.ts, through ALERT_FROM_SQL) hand to alertView.
  return alerts.map((a) =>
    alertView({
      id: a.id,
      kind: a.kind as ServiceLevelAlertKind,
      conversation_id: a.conversationId,
      customer_id: a.conversation.customerId,
      customer_display_name: a.conversation.customer.displayName,
      customer_address: a.conversation.customerAddress,
      queue_id: a.queueId,
      queue_name: a.queue?.name ?? null,
      tier: a.tier,
      channel: a.channel,
      waiting_since: a.waitingSince,
      due_at: a.dueAt,
      target_seconds: a.targetSeconds,
      late_ms: a.lateMs,
      raised_at: a.raisedAt,
    }),
  );
}
