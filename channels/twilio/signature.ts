// Twilio signs every webhook: HMAC-SHA1 of the public URL it called plus the sorted POST parameters.
// The URL must be the public one (PUBLIC_URL + path), never one rebuilt from the Host header.
import twilio from "twilio";

export function verifyTwilioSignature(
  authToken: string,
  publicUrl: string,
  pathAndQuery: string,
  params: Record<string, unknown>,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, publicUrl + pathAndQuery, params);
}
