// REST bodies and views of the workspace API (/api/*): the one source of wire types.
import { z } from "zod";
import {
  AgentRole,
  Channel,
  ConversationStatus,
  CustomerTier,
  IdentityKind,
  MessageDirection,
  MessageKind,
  MessageStatus,
  OfferStatus,
  Presence,
  SettablePresence,
} from "./domain.ts";
import { EmailDetails } from "./email.ts";

export const ErrorCode = z.enum([
  "VALIDATION",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  /** Only the conversation's assigned agent (or a supervisor) may do this; details name the owner. */
  "NOT_ASSIGNED",
  /** A transfer target who is not available or has no free capacity on the channel. */
  "AGENT_UNAVAILABLE",
  /** A confirmation code that is wrong, expired or used up; details say which. */
  "VERIFICATION_FAILED",
  "NOT_FOUND",
  "CONFLICT",
  "CONSENT_REVOKED",
  "RATE_LIMITED",
  /** A body over its limit (HTTP 413). */
  "TOO_LARGE",
  "CHANNEL_DISABLED",
  "PROVIDER_ERROR",
  "INTERNAL",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({ code: ErrorCode, message: z.string(), details: z.unknown().optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

// ---- views ----
export const AgentView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: AgentRole,
  presence: Presence,
  skills: z.array(z.string()),
  capacity: z.object({ voice: z.number(), chat: z.number(), sms: z.number(), email: z.number() }),
  /** When set, calls ring this phone instead of the browser softphone. */
  forwardPhone: z.string().nullable(),
  /** False once an admin deactivated the agent: they cannot sign in. */
  active: z.boolean(),
  /** Why the agent is away (null unless away). */
  awayReason: z.object({ id: z.string(), name: z.string() }).nullable(),
});
export type AgentView = z.infer<typeof AgentView>;

export const CustomerSummary = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  tier: CustomerTier,
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const CustomerView = CustomerSummary.extend({
  /** Where each address came from ("sms", "chat_verified", "agent", …) and since when. */
  identities: z.array(z.object({ kind: IdentityKind, value: z.string(), verified: z.boolean(), source: z.string(), createdAt: z.string() })),
  consents: z.array(z.object({ channel: Channel, status: z.enum(["opted_in", "opted_out"]), updatedAt: z.string() })),
  /** 'set' on the record by an agent, or 'derived' from the lifetime value. */
  tierSource: z.enum(["set", "derived"]),
  lifetimeValue: z.number().nullable(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  /** Set once an admin erased the customer: nothing personal is left, and nothing more is added. */
  erasedAt: z.string().nullable(),
});
export type CustomerView = z.infer<typeof CustomerView>;

export const ConversationView = z.object({
  id: z.string(),
  channel: Channel,
  status: ConversationStatus,
  assignedAgentId: z.string().nullable(),
  customerAddress: z.string(),
  businessAddress: z.string().nullable(),
  subject: z.string().nullable(),
  lastMessageAt: z.string(),
  createdAt: z.string(),
  /** Its human reference ("SB-1042"); null where the producer did not read it (a live event of ingest). */
  reference: z.string().nullable(),
  /** How it ended when no agent resolved it: "missed_call" for a caller who hung up while waiting, "abandoned" for a chat visitor who ended the chat while waiting. */
  outcome: z.enum(["missed_call", "abandoned"]).nullable(),
  /** The queue it waits or waited in. */
  queue: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** While it waits: when it breaches its queue's target for the customer's tier and channel. */
  dueAt: z.string().nullable(),
  /** While it waits for an agent: since when. */
  waitingSince: z.string().nullable(),
  customer: CustomerSummary,
  /** While snoozed: when it wakes by itself (it also wakes at the customer's next message). */
  snoozedUntil: z.string().nullable().optional(),
  /** In the work list: the last message and how many of the customer's messages no agent has seen. */
  preview: z.object({ body: z.string(), direction: MessageDirection, kind: MessageKind, at: z.string() }).nullable().optional(),
  unreadCount: z.number().int().nonnegative().optional(),
});
export type ConversationView = z.infer<typeof ConversationView>;

/** A message's file as the workspace sees it: our signed link, or why there is none (yet). */
export const MediaView = z.object({
  /** Our signed link (or, for a recording, the provider's public one); absent while pending or unavailable. */
  url: z.string().url().optional(),
  contentType: z.string(),
  name: z.string().optional(),
  /** "pending" while the file is being fetched from the provider; "unavailable" when it could not be, with the reason. */
  state: z.enum(["pending", "unavailable"]).optional(),
  reason: z.string().optional(),
});
export type MediaView = z.infer<typeof MediaView>;

export const MessageView = z.object({
  id: z.string(),
  conversationId: z.string(),
  customerId: z.string(),
  channel: Channel,
  direction: MessageDirection,
  kind: MessageKind,
  body: z.string(),
  media: z.array(MediaView),
  status: MessageStatus,
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  authorAgentId: z.string().nullable(),
  authorName: z.string().nullable(),
  createdAt: z.string(),
  /** When the other side saw it (chat): the visitor for a reply, an agent for a customer's message. */
  readAt: z.string().nullable(),
  /** Cursor for catch-up: increases on every insert and status change. A decimal string (bigint). */
  changeSeq: z.string(),
  /** An email's headers, visible part, threading and withheld attachments (email messages only). */
  email: EmailDetails.optional(),
});
export type MessageView = z.infer<typeof MessageView>;

export const OfferView = z.object({
  id: z.string(),
  agentId: z.string(),
  channel: Channel,
  status: OfferStatus,
  createdAt: z.string(),
  expiresAt: z.string(),
  conversation: ConversationView,
});
export type OfferView = z.infer<typeof OfferView>;

/** A configured channel whose provider refuses us (e.g. Twilio 20003): its sends are held until it recovers. */
export const ChannelHealth = z.object({
  channel: Channel,
  status: z.enum(["ok", "failing"]),
  errorCode: z.string().nullable(),
  reason: z.string().nullable(),
  since: z.string(),
});
export type ChannelHealth = z.infer<typeof ChannelHealth>;

export const ChannelState = z.object({
  channel: Channel,
  enabled: z.boolean(),
  reason: z.string().nullable(),
  /** Set while the channel is on but failing. */
  failing: ChannelHealth.nullable(),
});
export type ChannelState = z.infer<typeof ChannelState>;

// ---- requests and responses ----
export const LoginBody = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  password: z.string().min(1).max(1000),
});
export type LoginBody = z.infer<typeof LoginBody>;

const NewPassword = z.string().min(12, "A password needs at least 12 characters").max(1000);

export const ChangePasswordBody = z.object({ currentPassword: z.string().min(1).max(1000), newPassword: NewPassword });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const MeResponse = z.object({ agent: AgentView, channels: z.array(ChannelState) });
export type MeResponse = z.infer<typeof MeResponse>;

/** The answer of login, presence changes and agent creation. */
export const AgentResponse = z.object({ agent: AgentView });
export type AgentResponse = z.infer<typeof AgentResponse>;

/** The answer of accepting an offer and resolving a conversation. */
export const ConversationResult = z.object({ conversation: ConversationView });
export type ConversationResult = z.infer<typeof ConversationResult>;

export const SetPresenceBody = z.object({
  presence: SettablePresence,
  /** With "away": one of the active away reasons (GET /api/away-reasons). */
  awayReasonId: z.string().uuid().nullable().optional(),
});

export const AwayReasonView = z.object({ id: z.string(), name: z.string(), active: z.boolean(), position: z.number() });
export type AwayReasonView = z.infer<typeof AwayReasonView>;
export const CreateAwayReasonBody = z.object({ name: z.string().trim().min(1).max(60), position: z.number().int().min(0).max(1000).default(0) });
export type CreateAwayReasonBody = z.infer<typeof CreateAwayReasonBody>;
export const UpdateAwayReasonBody = z
  .object({ name: z.string().trim().min(1).max(60), active: z.boolean(), position: z.number().int().min(0).max(1000) })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
export type UpdateAwayReasonBody = z.infer<typeof UpdateAwayReasonBody>;

/** One period of an agent's state: the open one (now) has endedAt null. */
export const AgentStatePeriodView = z.object({
  state: Presence,
  awayReason: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
});
export type AgentStatePeriodView = z.infer<typeof AgentStatePeriodView>;
export const AgentStatesQuery = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
/** The workspace's softphone reports whether its Twilio Device is registered (calls can ring it now). */
export const SoftphoneStateBody = z.object({ registered: z.boolean() });
export type SoftphoneStateBody = z.infer<typeof SoftphoneStateBody>;
export type SetPresenceBody = z.infer<typeof SetPresenceBody>;

/** The agent's live work: a full snapshot, fetched at start and after every reconnect. */
export const MyWorkResponse = z.object({
  offers: z.array(OfferView),
  conversations: z.array(ConversationView),
  /** My snoozed conversations, waking soonest first: out of the active list, still mine until they wake. */
  snoozed: z.array(ConversationView).default([]),
});
export type MyWorkResponse = z.infer<typeof MyWorkResponse>;

export const ConversationResponse = z.object({
  conversation: ConversationView,
  customer: CustomerView,
  /** The customer's other open conversations (any channel), so nobody answers twice. */
  otherOpenConversations: z.array(ConversationView),
  /**
   * What the customer said about themselves without proof (a chat's pre-chat form, an email typed to
   * leave a message), and the other customers it matches: for the agent to judge, never merged by itself.
   */
  claimed: z.object({ name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() }).nullable(),
  suggestedMatches: z.array(CustomerSummary.extend({ matchedOn: z.string() })),
});
export type ConversationResponse = z.infer<typeof ConversationResponse>;

/**
 * A query-string list: `?channel=sms&channel=email`, `?channel=sms,email`, or both; deduplicated and
 * sorted, so the same filter always has the same cursor key. Empty means no filter.
 */
const QueryList = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess(
    (value) => {
      if (value === undefined) return [];
      const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === "string" ? v.split(",") : [v]));
      return parts.map((p) => (typeof p === "string" ? p.trim() : p)).filter((p) => p !== "");
    },
    z.array(item).max(10).transform((items) => [...new Set(items)].sort()),
  );

export const TimelineQuery = z.object({
  /** Opaque cursor from a previous page's `olderCursor` of the same filter; absent for the newest page. */
  before: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Only these channels (every kind on them: messages, calls, notes, events); all when empty. */
  channel: QueryList(Channel).default([]),
  /** Only these kinds (e.g. note, or call + voicemail); all when empty. Combines with `channel` (both must match). */
  kind: QueryList(MessageKind).default([]),
});
export type TimelineQuery = z.infer<typeof TimelineQuery>;

export const TimelinePage = z.object({
  /** Oldest first within the page, so the newest is at the bottom. */
  messages: z.array(MessageView),
  /** Pass as `before` to load the page older than this one; null at the start of history. */
  olderCursor: z.string().nullable(),
  /** The highest changeSeq the server knew when it answered: the start point for catch-up. */
  changeCursor: z.string(),
});
export type TimelinePage = z.infer<typeof TimelinePage>;

export const TimelineChangesQuery = z.object({
  since: z.string().regex(/^\d{1,19}$/, "since must be a changeSeq"),
  /** The same filter as the page the client shows: only its messages come back. */
  channel: TimelineQuery.shape.channel,
  kind: TimelineQuery.shape.kind,
});
export const TimelineChanges = z.object({ messages: z.array(MessageView), changeCursor: z.string() });
export type TimelineChanges = z.infer<typeof TimelineChanges>;

export const SendReplyBody = z.object({
  /** At most REPLY_MAX_CHARS of its channel (checked with the conversation): 1,600 except for email. */
  body: z.string().trim().min(1, "A reply cannot be empty").max(100_000, "A reply is at most 100,000 characters"),
  /** A client-made key: sending the same key twice stores and sends one message. */
  idempotencyKey: z.string().min(8).max(100).optional(),
  /**
   * The newest message the agent had on screen (its createdAt): a colleague's answer to this customer
   * since then, on any channel, refuses the reply (409 CONFLICT, reason answered_since_seen) unless `confirmed`.
   */
  seenAt: z.string().datetime({ offset: true }).optional(),
  /** Send although someone else answered since seenAt: the agent has read that answer. */
  confirmed: z.boolean().optional(),
});
export type SendReplyBody = z.infer<typeof SendReplyBody>;

export const AddNoteBody = z.object({
  body: z.string().trim().min(1, "A note cannot be empty").max(5000, "A note is at most 5,000 characters"),
  /** A client-made key: the same key twice stores one note. */
  idempotencyKey: z.string().min(8).max(100).optional(),
}).strict();
export type AddNoteBody = z.infer<typeof AddNoteBody>;

/** The longest reply per channel: an SMS is sent as at most 10 segments; chat matches it; email is long. */
export const REPLY_MAX_CHARS: Record<Channel, number> = { sms: 1600, chat: 1600, voice: 1600, email: 100_000 };

export const SendReplyResponse = z.object({ message: MessageView });
export type SendReplyResponse = z.infer<typeof SendReplyResponse>;

export const CreateAgentBody = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  name: z.string().trim().min(1).max(200),
  password: z.string().min(12, "A password needs at least 12 characters").max(1000),
  role: AgentRole.default("agent"),
  skills: z.array(z.string().trim().min(1).max(50)).max(50).default([]),
  capacity: z
    .object({
      voice: z.number().int().min(0).max(1).default(1),
      chat: z.number().int().min(0).max(20).default(3),
      sms: z.number().int().min(0).max(50).default(5),
      email: z.number().int().min(0).max(100).default(8),
    })
    .default({ voice: 1, chat: 3, sms: 5, email: 8 }),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBody>;

/** A site origin: scheme, host and port only, e.g. https://www.example.com */
export const Origin = z
  .string()
  .trim()
  .url()
  .refine((v) => new URL(v).origin === v.replace(/\/$/, ""), "must be an origin such as https://www.example.com (no path)")
  .transform((v) => new URL(v).origin);

export const CreateWidgetBody = z.object({
  name: z.string().trim().min(1).max(200),
  allowedOrigins: z.array(Origin).min(1, "At least one allowed origin is needed").max(50),
  /** The queue its chats join; absent or null: the default queue. */
  queueId: z.string().uuid("must be a queue id").nullable().optional(),
});
export type CreateWidgetBody = z.infer<typeof CreateWidgetBody>;

export const WidgetView = z.object({
  publicKey: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  /** Signs a signed-in user's email on the business's site (verified identity in chat). Keep it server-side. Admins only (null for supervisors). */
  identitySecret: z.string().nullable(),
  /** The one line to paste into the site. */
  embedSnippet: z.string(),
  /** The queue its chats join (null: the default queue). */
  queueId: z.string().nullable(),
});
export type WidgetView = z.infer<typeof WidgetView>;

export const VoiceTokenResponse = z.object({
  /** A Twilio access token (JWT) with a VoiceGrant, for @twilio/voice-sdk's Device. */
  token: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
});
export type VoiceTokenResponse = z.infer<typeof VoiceTokenResponse>;

export const WrapUpBody = z.object({
  disposition: z.enum(["resolved", "follow_up", "no_answer", "other"]),
  note: z.string().trim().max(5000).optional(),
});
export type WrapUpBody = z.infer<typeof WrapUpBody>;

export const CallControlBody = z.discriminatedUnion("action", [
  z.object({ action: z.literal("hold") }),
  z.object({ action: z.literal("resume") }),
  z.object({ action: z.literal("hangup") }),
  z.object({ action: z.literal("requeue") }),
  /** To an agent who is available with a free voice slot (see GET /api/transfer-targets). */
  z.object({ action: z.literal("transfer"), toAgentId: z.string().uuid() }),
  /** Back in line, in another queue. */
  z.object({ action: z.literal("transfer_to_queue"), queueId: z.string().uuid() }),
  /** Warm transfer: the caller is held while a colleague joins the call, then handed over (or the consult ends). */
  z.object({ action: z.literal("consult"), toAgentId: z.string().uuid() }),
  z.object({ action: z.literal("complete_transfer") }),
  z.object({ action: z.literal("cancel_consult") }),
]);
export type CallControlBody = z.infer<typeof CallControlBody>;

/** Agents a call can be transferred to now: available, with a free voice slot (any signed-in agent may list them). */
export const TransferTarget = z.object({ id: z.string(), name: z.string(), presence: Presence });
export type TransferTarget = z.infer<typeof TransferTarget>;

export const SetForwardPhoneBody = z.object({
  /** E.164 (or a number in the site's default country), or null to take calls in the browser again. */
  phone: z.string().trim().min(5).max(40).nullable(),
});
export type SetForwardPhoneBody = z.infer<typeof SetForwardPhoneBody>;

/** PUT /api/me/phone: null clears at once; a number gets a code by SMS, and is set once the code is confirmed. */
export const ForwardPhoneVerificationView = z.object({ phone: z.string(), expiresAt: z.string(), attemptsLeft: z.number() });
export type ForwardPhoneVerificationView = z.infer<typeof ForwardPhoneVerificationView>;
export const SetOwnForwardPhoneResponse = z.union([
  z.object({ agent: AgentView }),
  z.object({ verification: ForwardPhoneVerificationView }),
]);
export type SetOwnForwardPhoneResponse = z.infer<typeof SetOwnForwardPhoneResponse>;

export const ConfirmForwardPhoneBody = z.object({ code: z.string().trim().regex(/^\d{6}$/, "The code has 6 digits") });
export type ConfirmForwardPhoneBody = z.infer<typeof ConfirmForwardPhoneBody>;

/** PATCH /api/agents/:id (admins): what changes; capacity per channel may be given in part. */
export const UpdateAgentBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    role: AgentRole.optional(),
    skills: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    capacity: z
      .object({
        voice: z.number().int().min(0).max(1).optional(),
        chat: z.number().int().min(0).max(20).optional(),
        sms: z.number().int().min(0).max(50).optional(),
        email: z.number().int().min(0).max(100).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "Nothing to change");
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>;

/** Move a conversation to another queue (it keeps its place by waiting time). */
export const MoveToQueueBody = z.object({ queueId: z.string().uuid("must be a valid queue id") }).strict();
export type MoveToQueueBody = z.infer<typeof MoveToQueueBody>;
