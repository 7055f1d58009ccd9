// Webhooks as Twilio sends them: form-encoded POSTs signed with X-Twilio-Signature (the tests' helper and
// the simulator's, so the product's signature check sees exactly what Twilio would send it).
import { randomUUID } from "node:crypto";
import twilio from "twilio";

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
