// The SMS channel: Twilio Programmable Messaging behind the ChannelAdapter contract.
import twilio from "twilio";
import type { InboundEvent } from "../../shared/inbound.ts";
import { type ChannelAdapter, type OutboundMessage, type SendResult, type StatusUpdate } from "../channel.ts";
import { createTwilioRestClient, twilioSendError } from "../twilio/rest-client.ts";
import { verifyTwilioSignature } from "../twilio/signature.ts";
import { parseInboundSms } from "./inbound.ts";
import { fetchTwilioMedia } from "./media.ts";
import { parseSmsStatus } from "./status.ts";

export interface SmsAdapterSettings {
  accountSid: string;
  authToken: string;
  phoneNumber: string;
  /** Only to point the REST client at a local fake in tests. */
  apiBaseUrl?: string | undefined;
  /** The public base URL Twilio calls (and signs); status callbacks are built from it. */
  publicUrl: string;
  defaultCountry: string;
  /** How long one REST call may take before its outcome counts as unknown (default 15 s). */
  requestTimeoutMs?: number | undefined;
}

/** Twilio lists at most this many recent messages per lookup: enough for one conversation's burst. */
const RECONCILE_PAGE = 100;
/** Twilio's date_created and our clock may differ a little. */
const CLOCK_SKEW_MS = 60_000;

export const SMS_WEBHOOK_PATH = "/webhooks/twilio/sms";
export const SMS_STATUS_PATH = "/webhooks/twilio/sms/status";

export interface SmsAdapter extends ChannelAdapter {
  /** Checks X-Twilio-Signature against the public URL Twilio called (never the Host header). */
  verifySignature(pathAndQuery: string, params: Record<string, unknown>, signature: string | undefined): boolean;
  parseInbound(params: Record<string, unknown>): InboundEvent;
  parseStatus(params: Record<string, unknown>, messageId: string | null): StatusUpdate | null;
  /** The TwiML answer to an inbound message: empty, as replies are sent through the REST API. */
  emptyReply(): string;
}

export function createSmsAdapter(settings: SmsAdapterSettings): SmsAdapter {
  const client = createTwilioRestClient({
    accountSid: settings.accountSid,
    authToken: settings.authToken,
    apiBaseUrl: settings.apiBaseUrl,
    timeoutMs: settings.requestTimeoutMs ?? 15_000,
  });
  return {
    channel: "sms",
    verifySignature: (pathAndQuery, params, signature) =>
      verifyTwilioSignature(settings.authToken, settings.publicUrl, pathAndQuery, params, signature),
    parseInbound: (params) => parseInboundSms(params, settings.defaultCountry),
    parseStatus: parseSmsStatus,
    emptyReply: () => new twilio.twiml.MessagingResponse().toString(),
    fetchMedia: (url, opts) => fetchTwilioMedia(settings, url, opts),
    async send(message: OutboundMessage): Promise<SendResult> {
      try {
        const created = await client.messages.create({
          to: message.to,
          from: message.from ?? settings.phoneNumber,
          body: message.body,
          // Our id in the callback URL finds the message even if the callback beats our own write of the SID.
          statusCallback: `${settings.publicUrl}${SMS_STATUS_PATH}?messageId=${encodeURIComponent(message.messageId)}`,
        });
        return { externalId: created.sid, status: "sent" };
      } catch (err) {
        throw twilioSendError(err);
      }
    },
    async findSent(message: OutboundMessage, since: Date): Promise<SendResult[]> {
      // Twilio has no idempotency key for Messages: the same addresses and body, created since the
      // unknown attempt began, is how we recognise our own message. Newest first from Twilio.
      try {
        const listed = await client.messages.list({ to: message.to, from: message.from ?? settings.phoneNumber, limit: RECONCILE_PAGE });
        return listed
          .filter((m) => m.body === message.body && m.dateCreated.getTime() >= since.getTime() - CLOCK_SKEW_MS)
          .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())
          .map((m) => ({ externalId: m.sid, status: "sent" as const }));
      } catch (err) {
        throw twilioSendError(err);
      }
    },
  };
}
