// A chat visitor's id, signed by the server so a browser can keep it (localStorage) and resume its
// conversation, but cannot make one up to read someone else's.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

const sign = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

export function issueVisitorToken(secret: string, widgetKey: string, visitorId: string = randomUUID()): { visitorId: string; token: string } {
  const payload = `v1.${visitorId}.${widgetKey}`;
  return { visitorId, token: `${payload}.${sign(secret, payload)}` };
}

/** The visitor id when the token is ours and was issued for this widget; otherwise null. */
export function verifyVisitorToken(secret: string, widgetKey: string, token: string): string | null {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== "v1" || parts[2] !== widgetKey) return null;
  const expected = Buffer.from(sign(secret, parts.slice(0, 3).join(".")));
  const given = Buffer.from(parts[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return /^[0-9a-f-]{36}$/.test(parts[1]!) ? parts[1]! : null;
}
