// Phone numbers are identities in E.164, whatever format the customer or provider used.
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

// Customers write again and again: remembering recent answers saves a full parse per inbound message.
const recent = new Map<string, string | null>();
const RECENT_MAX = 10_000;

/** Returns the E.164 form of a phone number, or null when it is not a valid number. */
export function toE164(raw: string, defaultCountry: string = "US"): string | null {
  const key = `${defaultCountry}|${raw}`;
  const known = recent.get(key);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  const e164 = parsed && parsed.isValid() ? parsed.number : null;
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
  recent.set(key, e164);
  return e164;
}

/** A readable form for screens, e.g. "+1 415 555 0100"; falls back to the input. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
