// Phone numbers are identities in E.164, whatever format the customer or provider used.
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/** Returns the E.164 form of a phone number, or null when it is not a valid number. */
export function toE164(raw: string, defaultCountry: string = "US"): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}

/** A readable form for screens, e.g. "+1 415 555 0100"; falls back to the input. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
