// The admin API of queues and what feeds them: queues, members, service targets, tier thresholds,
// a customer's tier, and the entry points (Twilio numbers, chat widgets) that name a queue.
import { z } from "zod";
import { BusinessHours, isValidTimeZone } from "./business-hours.ts";
import { Channel, CustomerTier } from "./domain.ts";
import { Origin } from "./api.ts";

const QueueId = z.string().uuid("must be a queue id");

/** What a customer waiting past the queue's longest wait is offered. */
export const AfterMaxWait = z.enum(["voicemail", "callback", "message"]);
export type AfterMaxWait = z.infer<typeof AfterMaxWait>;

export const QueueView = z.object({
  id: z.string(),
  name: z.string(),
  requiredSkills: z.array(z.string()),
  timezone: z.string(),
  businessHours: BusinessHours,
  maxWaitSeconds: z.number(),
  /** The live board alerts when the oldest wait here is older than this. */
  waitingAlertSeconds: z.number(),
  /** The catch-all for entry points that name no queue: exactly one queue is. */
  isDefault: z.boolean(),
  overflowQueueId: z.string().nullable(),
  /** Waiting this long in this queue moves the conversation to the overflow queue (null: never by time). */
  overflowAfterSeconds: z.number().nullable(),
  /** With no member signed in, work goes to the overflow queue at once. */
  overflowWhenUnstaffed: z.boolean(),
  afterMaxWait: AfterMaxWait,
  /** Sent once to the customer of each new email conversation here ({{reference}}, {{subject}}, {{customer.name}}); null: none. */
  emailAcknowledgement: z.string().nullable(),
});
export type QueueView = z.infer<typeof QueueView>;

const QueueFields = {
  name: z.string().trim().min(1).max(100),
  timezone: z.string().max(100).refine(isValidTimeZone, "must be an IANA time zone such as Europe/Paris"),
  /** Weekly opening hours, e.g. {"mon":[["09:00","17:00"]]}; {} means always open. */
  businessHours: BusinessHours,
  maxWaitSeconds: z.number().int().min(10).max(24 * 3600),
  waitingAlertSeconds: z.number().int().min(10).max(7 * 24 * 3600),
  requiredSkills: z.array(z.string().trim().min(1).max(50)).max(20),
  /** true makes this the default queue (the previous one stops being it); the default cannot be unset, only replaced. */
  isDefault: z.boolean(),
  overflowQueueId: QueueId.nullable(),
  overflowAfterSeconds: z.number().int().min(1).max(7 * 24 * 3600).nullable(),
  overflowWhenUnstaffed: z.boolean(),
  afterMaxWait: AfterMaxWait,
  emailAcknowledgement: z.string().trim().min(1).max(5000).nullable(),
};

export const CreateQueueBody = z.object(QueueFields).partial().required({ name: true }).strict();
export type CreateQueueBody = z.infer<typeof CreateQueueBody>;

/** Only what is given changes (the same body as before this API grew, plus the new fields). */
export const UpdateQueueBody = z.object(QueueFields).partial();
export type UpdateQueueBody = z.infer<typeof UpdateQueueBody>;

// ---- members ----
export const QueueMemberView = z.object({ agentId: z.string(), name: z.string(), level: z.number() });
export type QueueMemberView = z.infer<typeof QueueMemberView>;

const MemberLevel = z.number().int().min(1, "a level is 1 to 10").max(10, "a level is 1 to 10");
export const PutQueueMembersBody = z
  .object({
    /** The whole membership: agents not listed leave the queue. Higher levels are offered work first. */
    members: z.array(z.object({ agentId: z.string().uuid("must be an agent id"), level: MemberLevel }).strict()).max(2000),
  })
  .strict()
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.members.forEach((m, i) => {
      if (seen.has(m.agentId)) ctx.addIssue({ code: "custom", path: ["members", i, "agentId"], message: "this agent is listed twice" });
      seen.add(m.agentId);
    });
  });
export type PutQueueMembersBody = z.infer<typeof PutQueueMembersBody>;

// ---- service targets ----
/** Seconds to answer, per tier and channel: "set" by an admin, or the built-in "default". */
export const ServiceTargetView = z.object({ tier: CustomerTier, channel: Channel, seconds: z.number(), source: z.enum(["set", "default"]) });
export type ServiceTargetView = z.infer<typeof ServiceTargetView>;

export const PutServiceTargetsBody = z
  .object({
    /** The targets this queue sets; a tier and channel not listed goes back to the built-in default. */
    targets: z
      .array(z.object({ tier: CustomerTier, channel: Channel, seconds: z.number().int().min(1).max(7 * 24 * 3600) }).strict())
      .max(CustomerTier.options.length * Channel.options.length),
  })
  .strict()
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.targets.forEach((t, i) => {
      const key = `${t.tier}/${t.channel}`;
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["targets", i], message: `${key} is listed twice` });
      seen.add(key);
    });
  });
export type PutServiceTargetsBody = z.infer<typeof PutServiceTargetsBody>;

// ---- customer tiers ----
const LifetimeValue = z.number().min(0).max(9_999_999_999);
/** The lifetime value from which a customer whose tier is derived is gold or platinum (null: that tier is never derived). */
export const TierThresholds = z
  .object({ gold: LifetimeValue.nullable(), platinum: LifetimeValue.nullable() })
  .strict()
  .refine((t) => t.gold === null || t.platinum === null || t.platinum > t.gold, { path: ["platinum"], message: "platinum must start above gold" });
export type TierThresholds = z.infer<typeof TierThresholds>;

/** A tier set on the customer's record, or null to derive it from their lifetime value again. */
export const SetCustomerTierBody = z.object({ tier: CustomerTier.nullable() }).strict();
export type SetCustomerTierBody = z.infer<typeof SetCustomerTierBody>;

export const CustomerTierView = z.object({
  id: z.string(),
  tier: CustomerTier,
  tierSource: z.enum(["set", "derived"]),
  lifetimeValue: z.number().nullable(),
});
export type CustomerTierView = z.infer<typeof CustomerTierView>;

// ---- entry points ----
const E164 = z.string().trim().regex(/^\+[1-9][0-9]{6,14}$/, "must be a number in E.164, e.g. +14155550100");

export const PhoneNumberView = z.object({
  id: z.string(),
  number: z.string(),
  label: z.string().nullable(),
  /** Where its texts and calls wait; null: the default queue. */
  smsQueueId: z.string().nullable(),
  voiceQueueId: z.string().nullable(),
});
export type PhoneNumberView = z.infer<typeof PhoneNumberView>;

const PhoneNumberFields = {
  number: E164,
  label: z.string().trim().min(1).max(100).nullable(),
  smsQueueId: QueueId.nullable(),
  voiceQueueId: QueueId.nullable(),
};
export const CreatePhoneNumberBody = z.object(PhoneNumberFields).partial().required({ number: true }).strict();
export type CreatePhoneNumberBody = z.infer<typeof CreatePhoneNumberBody>;
export const UpdatePhoneNumberBody = z
  .object(PhoneNumberFields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, "Nothing to change");
export type UpdatePhoneNumberBody = z.infer<typeof UpdatePhoneNumberBody>;

/** PUT /api/widgets/:publicKey: rename, change the sites, or the queue its chats join (null: the default queue). */
export const UpdateWidgetBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    queueId: QueueId.nullable(),
    /** The sites that may embed it: a visitor from any other origin is refused at connect. */
    allowedOrigins: z.array(Origin).min(1, "At least one allowed origin is needed").max(50),
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, "Nothing to change");
export type UpdateWidgetBody = z.infer<typeof UpdateWidgetBody>;
