// Webhooks as Twilio sends them: form-encoded POSTs signed with X-Twilio-Signature.
import { randomUUID } from "node:crypto";
import twilio from "twilio";
import { DEFAULT_TEST_ACCOUNT_SID, newSid } from "./fake-twilio.ts";

/** HMAC-SHA1 over the full URL + sorted POST params, base64: what Twilio puts in X-Twilio-Signature. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export interface PostSignedFormOptions {
  /** Where the request goes (e.g. the app under test on 127.0.0.1). */
  url: string;
  authToken: string;
  params: Record<string, string>;
  /** The URL Twilio would have called (the public one behind a proxy); defaults to `url`. */
  signatureUrl?: string;
  /** A string sends that signature instead of a valid one; null sends no header. */
  signature?: string | null;
}

export async function postSignedForm(
  opts: PostSignedFormOptions,
): Promise<{ status: number; body: string; headers: Headers }> {
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    "User-Agent": "TwilioProxy/1.1",
    "I-Twilio-Idempotency-Token": randomUUID(),
  };
  const signature =
    opts.signature === undefined
      ? signTwilioRequest(opts.authToken, opts.signatureUrl ?? opts.url, opts.params)
      : opts.signature;
  if (signature !== null) headers["X-Twilio-Signature"] = signature;

  const res = await fetch(opts.url, {
    method: "POST",
    headers,
    body: new URLSearchParams(opts.params).toString(),
    // Twilio does not follow redirects for webhook POSTs; let tests see a 3xx.
    redirect: "manual",
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

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
