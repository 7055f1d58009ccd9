// Twilio's inbound SMS/MMS webhook parameters → InboundEvent.
import { z } from "zod";
import type { InboundEvent, MediaItem } from "../../shared/inbound.ts";
import { toE164 } from "../../shared/phone.ts";
import { InboundParseError } from "../channel.ts";

const OPT_OUT = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]);
const OPT_IN = new Set(["START", "YES", "UNSTOP"]);

/** Twilio honours these keywords itself; we record them so the agent sees consent and we refuse sends. */
export function consentKeyword(body: string): "opted_out" | "opted_in" | undefined {
  const word = body.trim().toUpperCase();
  if (OPT_OUT.has(word)) return "opted_out";
  if (OPT_IN.has(word)) return "opted_in";
  return undefined;
}

const InboundSmsParams = z
  .object({
    MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, "MessageSid must be SM or MM followed by 32 hex digits"),
    AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "AccountSid must be AC followed by 32 hex digits"),
    From: z.string().min(1, "From is required").max(64),
    To: z.string().min(1, "To is required").max(64),
    Body: z.string().max(100_000).default(""),
    NumMedia: z.coerce.number().int().min(0).max(20).default(0),
  })
  .passthrough();


export function parseInboundSms(params: Record<string, unknown>, defaultCountry: string): InboundEvent {
  const parsed = InboundSmsParams.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InboundParseError(`${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  const p = parsed.data;
  const from = toE164(p.From, defaultCountry);
  if (!from) throw new InboundParseError(`From: "${p.From}" is not a valid phone number`);
  const media: MediaItem[] = [];
  for (let i = 0; i < p.NumMedia; i++) {
    const url = params[`MediaUrl${i}`];
    const contentType = params[`MediaContentType${i}`];
    if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new InboundParseError(`MediaUrl${i} is missing or not a URL`);
    media.push({ url, contentType: typeof contentType === "string" && contentType ? contentType : "application/octet-stream", fetchFromProvider: true });
  }
  if (p.Body === "" && media.length === 0) throw new InboundParseError("Body: an SMS needs a Body or media");
  const metadata: Record<string, unknown> = {};
  for (const key of ["FromCity", "FromState", "FromCountry", "FromZip", "NumSegments"]) {
    if (typeof params[key] === "string" && params[key] !== "") metadata[key] = params[key];
  }
  return {
    channel: "sms",
    externalId: p.MessageSid,
    from: { kind: "phone", value: from, verified: true },
    to: toE164(p.To, defaultCountry) ?? p.To,
    body: p.Body,
    media,
    consentChange: consentKeyword(p.Body),
    metadata,
  };
}
