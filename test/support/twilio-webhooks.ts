// Webhooks as Twilio sends them: form-encoded POSTs signed with X-Twilio-Signature.
// Signing and posting live with the simulator (demo/twilio-simulator/signed-webhooks.ts); the tests use the same.
import { DEFAULT_TEST_ACCOUNT_SID, newSid } from "../../demo/twilio-simulator/fake-twilio.ts";
export { postSignedForm, signTwilioRequest, type PostSignedFormOptions } from "../../demo/twilio-simulator/signed-webhooks.ts";

/**
 * An inbound SMS webhook's parameters as Twilio sends them. An override of `undefined`
 * removes that parameter. MessageSid also sets SmsSid/SmsMessageSid (Twilio sends all three).
 */
export function smsWebhookParams(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const messageSid = overrides.MessageSid ?? newSid("SM");
  const params: Record<string, string | undefined> = {
    ToCountry: "US",
    ToState: "CA",
    SmsMessageSid: messageSid,
    NumMedia: "0",
    ToCity: "SAN FRANCISCO",
    FromZip: "10001",
    SmsSid: messageSid,
    FromState: "NY",
    SmsStatus: "received",
    FromCity: "NEW YORK",
    Body: "Hello, I need help with my order",
    FromCountry: "US",
    To: "+14155550100",
    ToZip: "94105",
    NumSegments: "1",
    ReferralNumMedia: "0",
    MessageSid: messageSid,
    AccountSid: DEFAULT_TEST_ACCOUNT_SID,
    From: "+12125550123",
    ApiVersion: "2010-04-01",
    ...overrides,
  };
  return compact(params);
}

/** A message status callback (StatusCallback of messages.create) as Twilio sends it. */
export function smsStatusParams(
  opts: {
    MessageSid: string;
    MessageStatus: string;
    ErrorCode?: string;
  } & Record<string, string | undefined>,
): Record<string, string> {
  const { MessageSid, MessageStatus, ...rest } = opts;
  const params: Record<string, string | undefined> = {
    SmsSid: MessageSid,
    SmsStatus: MessageStatus,
    MessageStatus,
    To: "+12125550123",
    MessageSid,
    AccountSid: DEFAULT_TEST_ACCOUNT_SID,
    From: "+14155550100",
    ApiVersion: "2010-04-01",
    ...rest,
  };
  return compact(params);
}

function compact(params: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}
