// Wire types of "Find anyone": search customers by name, phone, email or a word from their messages.
import { z } from "zod";
import { Channel, CustomerTier } from "./domain.ts";

export const SEARCH_QUERY_MAX = 100;
export const SEARCH_LIMIT_DEFAULT = 10;
export const SEARCH_LIMIT_MAX = 25;

export const SearchCustomersQuery = z
  .object({
    q: z.string().trim().min(1, "type something to search for").max(SEARCH_QUERY_MAX),
    limit: z.coerce.number().int().min(1).max(SEARCH_LIMIT_MAX).default(SEARCH_LIMIT_DEFAULT),
  })
  .strict();
export type SearchCustomersQuery = z.infer<typeof SearchCustomersQuery>;

/** What the customer was found by, in rank order: an exact phone or email first, then names, then messages. */
export const SearchMatch = z.enum(["name", "phone", "email", "message"]);
export type SearchMatch = z.infer<typeof SearchMatch>;

export const SearchResult = z.object({
  customer: z.object({ id: z.string(), displayName: z.string().nullable(), tier: CustomerTier }),
  /** The matched phone (formatted) or email, else the customer's first phone or email; null when they have neither. */
  bestAddress: z.string().nullable(),
  matchedOn: SearchMatch,
  /** For a message hit: plain text around the word (never HTML); null otherwise. */
  snippet: z.string().nullable(),
  /** The conversation that was last active; null for a customer without any yet. */
  latestConversationId: z.string().nullable(),
  latestConversationChannel: Channel.nullable(),
  lastContactAt: z.string().nullable(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResponse = z.object({
  results: z.array(SearchResult),
  /** Words not searched in messages because each is in too many ("order"): another word narrows it. */
  tooCommon: z.array(z.string()),
});
export type SearchResponse = z.infer<typeof SearchResponse>;
