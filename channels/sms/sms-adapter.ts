// The SMS channel: Twilio Programmable Messaging behind the ChannelAdapter contract.
import twilio from "twilio";
import type { InboundEvent } from "../../shared/inbound.ts";
import { ChannelSendError, type ChannelAdapter, type OutboundMessage, type SendResult, type StatusUpdate } from "../channel.ts";
import { classifyTwilioError, createTwilioRestClient } from "../twilio/rest-client.ts";
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
}

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
        const c = classifyTwilioError(err);
        throw new ChannelSendError(c.message, c.retryable, c.code);
      }
    },
  };
}
