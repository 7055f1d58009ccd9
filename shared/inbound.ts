// The one shape every channel adapter turns provider traffic into, before ingest.
import { z } from "zod";
import { Channel, IdentityKind, MessageKind } from "./domain.ts";

export const MediaItem = z.object({
  url: z.string().url(),
  contentType: z.string().min(1).max(200),
  /** The file's name, when the sender gave one (chat uploads). */
  name: z.string().max(200).optional(),
  /**
   * The URL is the provider's, reachable only with the account's credentials (Twilio MMS): a job fetches
   * the file into our storage, and the URL itself is never shown to an agent's browser.
   */
  fetchFromProvider: z.boolean().optional(),
});
export type MediaItem = z.infer<typeof MediaItem>;

export const InboundEvent = z.object({
  channel: Channel,
  /** The provider's id for this item (Twilio MessageSid, email Message-ID); retries carry the same one. */
  externalId: z.string().min(1).max(500),
  /** Who sent it, already normalised by the adapter (E.164 phone, lower-cased email, visitor id). */
  from: z.object({ kind: IdentityKind, value: z.string().min(1).max(320), verified: z.boolean() }),
  /** The business address it was sent to (our Twilio number, our mailbox). */
  to: z.string().max(320).optional(),
  body: z.string().max(100_000),
  /** What the item is when not plain text for its channel (a call, a voicemail). */
  kind: MessageKind.optional(),
  media: z.array(MediaItem).max(20).default([]),
  subject: z.string().max(1000).optional(),
  receivedAt: z.coerce.date().optional(),
  /** Set when the message itself is a consent keyword (e.g. SMS STOP / START). */
  consentChange: z.enum(["opted_in", "opted_out"]).optional(),
  /** Anything channel-specific worth keeping for display (e.g. Twilio's geo fields). */
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type InboundEvent = z.infer<typeof InboundEvent>;
export type InboundEventInput = z.input<typeof InboundEvent>;
