// The one contract every channel adapter implements (shared/DESIGN.md, "Layout").
// Adapters turn provider traffic into InboundEvents, send outbound messages, and map provider statuses.
import type { Channel, MessageStatus } from "../shared/domain.ts";

export interface OutboundMessage {
  /** Our message id: adapters pass it to the provider's callbacks so statuses find their message. */
  messageId: string;
  to: string;
  from: string | null;
  body: string;
  /** Email only: the mailbox it goes out of and its threading headers, fixed when the reply was stored. */
  email?: OutboundEmail;
}

export interface OutboundEmail {
  mailboxId: string;
  subject: string;
  /** Ours, without <>: the same on every attempt, so a resend after an unknown outcome is recognisably one mail. */
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  /** The thread's reply address (support+token@…). */
  replyTo: string;
  /** Others on the thread (the customer's colleagues in Cc): a reply goes to all, as a mail client's would. */
  cc: string[];
  /** Sent by Switchboard itself (an acknowledgement): marked Auto-Submitted: auto-replied (RFC 3834). */
  automatic: boolean;
}

export interface SendResult {
  externalId: string;
  status: MessageStatus;
  /** Email: recipients the server refused while it accepted the others. */
  rejectedRecipients?: string[];
}

/**
 * What a failed send means, decided once by the channel's classifier (e.g. classifyTwilioError):
 * - `transient`: try again later (5xx, 429, network);
 * - `permanent`: this message can never be sent as it is (the provider's 4xx);
 * - `auth`: the provider refuses our credentials: the whole channel is failing, not this message.
 */
export type SendFailureKind = "transient" | "permanent" | "auth";

/** A provider failure, classified so one handler can decide retry, final failure or "channel failing". */
export class ChannelSendError extends Error {
  constructor(
    message: string,
    readonly kind: SendFailureKind,
    /** The provider's error code (e.g. Twilio's 21610), when it gave one. */
    readonly providerCode: string | null,
    /**
     * `unknown` when the request may have reached the provider and no answer came back (a timeout,
     * a reset connection): the message may have been accepted, so it must be looked up before a resend.
     */
    readonly outcome: "not_sent" | "unknown" = "not_sent",
  ) {
    super(message);
    this.name = "ChannelSendError";
  }
}

/** Provider traffic that does not have the shape the provider documents: answered 400 with this reason. */
export class InboundParseError extends Error {}

/** A delivery status reported by the provider, already mapped to ours. */
export interface StatusUpdate {
  messageId: string | null;
  externalId: string;
  status: MessageStatus;
  errorCode: string | null;
  errorMessage: string | null;
}

/** A file the provider holds for an inbound message, downloaded. */
export interface FetchedMedia {
  data: Buffer;
  /** The type the provider served it as (without parameters). */
  contentType: string;
}

/** A media download that failed; `final` when trying again cannot help (404, too large, not the provider's URL). */
export class MediaFetchError extends Error {
  constructor(
    message: string,
    readonly final: boolean,
  ) {
    super(message);
    this.name = "MediaFetchError";
  }
}

export interface ChannelAdapter {
  readonly channel: Channel;
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * Messages the provider holds that could be this one (same addresses and body, created since `since`),
   * oldest first: asked before resending a message whose last attempt had an unknown outcome.
   * Channels without it (chat) are safe to resend.
   */
  findSent?(message: OutboundMessage, since: Date): Promise<SendResult[]>;
  /** Downloads a file of an inbound message (MMS media) with the account's credentials; throws MediaFetchError. */
  fetchMedia?(url: string, opts: { maxBytes: number }): Promise<FetchedMedia>;
}
