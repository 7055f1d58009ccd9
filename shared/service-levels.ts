// Service-level alerts on the wire: a warning at 80% of a waiting conversation's target, a breach at its
// due time, each raised once per wait (the REST list and the live `service_level:alert` event).
import { z } from "zod";
import { Channel, CustomerTier } from "./domain.ts";

export const ServiceLevelAlertKind = z.enum(["warning", "breach"]);
export type ServiceLevelAlertKind = z.infer<typeof ServiceLevelAlertKind>;

/** The share of the target after which a wait raises its warning. */
export const WARNING_SHARE = 0.8;

export const AlertView = z.object({
  id: z.string(),
  kind: ServiceLevelAlertKind,
  conversationId: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  /** Null when the queue was deleted since. */
  queueId: z.string().nullable(),
  queueName: z.string().nullable(),
  /** The customer's tier when the wait began (what the target was chosen by). */
  tier: CustomerTier,
  channel: Channel,
  waitingSince: z.string(),
  dueAt: z.string(),
  targetSeconds: z.number().int(),
  /** How long after its moment (the warning point or the due time) the alert was raised. */
  lateMs: z.number().int(),
  raisedAt: z.string(),
});
export type AlertView = z.infer<typeof AlertView>;

/** GET /api/service-level-alerts: newest first, optionally since a time and for one queue. */
export const ServiceLevelAlertsQuery = z.object({
  since: z.coerce.date().optional(),
  queueId: z.string().uuid("must be a valid id").optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ServiceLevelAlertsQuery = z.infer<typeof ServiceLevelAlertsQuery>;
