// Merging two customers (and undoing it), and adding a phone or email to a customer: the wire contract.
import { z } from "zod";
import { CustomerSummary } from "./api.ts";
import { Channel, ConversationStatus, CustomerTier } from "./domain.ts";

export const MergeBody = z.object({ into: z.string().uuid("must be a customer id") });
export type MergeBody = z.infer<typeof MergeBody>;
export const MergePreviewQuery = z.object({ into: z.string().uuid("must be a customer id") });

/** An agent adds what a customer told them: a phone (any format, stored as E.164) or an email. */
export const AddIdentityBody = z.object({
  kind: z.enum(["phone", "email"]),
  value: z.string().trim().min(1, "is required").max(320),
});
export type AddIdentityBody = z.infer<typeof AddIdentityBody>;

const ConsentStatus = z.enum(["opted_in", "opted_out"]);

export const MergeConversationItem = z.object({
  id: z.string(),
  channel: Channel,
  status: ConversationStatus,
  subject: z.string().nullable(),
  customerAddress: z.string(),
  lastMessageAt: z.string(),
});
export type MergeConversationItem = z.infer<typeof MergeConversationItem>;

/** What merging `source` into `target` would move and how it settles what both have. */
export const MergePreview = z.object({
  source: CustomerSummary,
  target: CustomerSummary,
  moves: z.object({
    identities: z.array(z.object({ id: z.string(), kind: z.enum(["phone", "email", "chat_visitor"]), value: z.string(), verified: z.boolean() })),
    openConversations: z.array(MergeConversationItem),
    /** The newest 50 of them; closedConversationCount counts all. */
    closedConversations: z.array(MergeConversationItem),
    closedConversationCount: z.number(),
    messageCount: z.number(),
    noteCount: z.number(),
    reminderCount: z.number(),
    attachmentCount: z.number(),
    /** The source's consent rows for channels the target has none for: they move as they are. */
    consents: z.array(z.object({ channel: Channel, status: ConsentStatus })),
  }),
  conflicts: z.object({
    /** Both have a consent row for the channel: an opt-out wins, on the target's row. */
    consents: z.array(z.object({ channel: Channel, target: ConsentStatus, source: ConsentStatus, result: ConsentStatus })),
    tier: z.object({ target: CustomerTier, source: CustomerTier, result: CustomerTier }),
    displayName: z.object({ target: z.string().nullable(), source: z.string().nullable(), result: z.string().nullable() }),
  }),
});
export type MergePreview = z.infer<typeof MergePreview>;

/** One merge as recorded, with whether (and what) undoing it would put back. */
export const MergeRecord = z.object({
  id: z.string(),
  source: CustomerSummary,
  target: CustomerSummary,
  mergedAt: z.string(),
  mergedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  undoneAt: z.string().nullable(),
  undoneBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** Rows moved, by table. */
  moved: z.record(z.string(), z.number()),
  undo: z.object({
    possible: z.boolean(),
    /** A later merge of either customer that is still in force: undo that one first. */
    blockedByMergeId: z.string().nullable(),
    /**
     * Conversations that began after the merge from one of the moved addresses: undo takes them (and
     * their messages) back to the source with that address.
     */
    conversationsSinceMerge: z.number(),
  }),
});
export type MergeRecord = z.infer<typeof MergeRecord>;

export const MergeResponse = z.object({ merge: MergeRecord });
export const MergeHistoryResponse = z.object({ merges: z.array(MergeRecord) });
export const MergePreviewResponse = z.object({ preview: MergePreview });

export const AddIdentityResponse = z.object({
  identity: z.object({ id: z.string(), kind: z.enum(["phone", "email"]), value: z.string(), verified: z.boolean() }),
});

/** details of the 409 CONFLICT when the identity belongs to someone else: merging is suggested, never done. */
export const SuggestedMergeDetails = z.object({
  suggestedMerge: z.object({ customerId: z.string(), displayName: z.string().nullable() }),
});
export type SuggestedMergeDetails = z.infer<typeof SuggestedMergeDetails>;

/** Socket event to both customers' watchers: reload the customer, its conversation and timeline. */
export const CustomerMergedEvent = z.object({ mergeId: z.string(), sourceId: z.string(), targetId: z.string(), undone: z.boolean() });
export type CustomerMergedEvent = z.infer<typeof CustomerMergedEvent>;
