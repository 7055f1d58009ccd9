// One way to show where a customer was reached: phone numbers in one international format
// (shared/phone.ts formatPhone, as the server names customers), email as written, chat visitors by role.
import type { Channel } from "../../../shared/domain.ts";
import { formatPhone } from "../../../shared/phone.ts";

export function customerAddressLabel(channel: Channel, address: string): string {
  if (channel === "sms" || channel === "voice") return formatPhone(address);
  if (channel === "chat") return "web visitor";
  return address;
}

/** A phone number for screens; anything that is not one (e.g. "anonymous") as it came. */
export function phoneLabel(phone: string): string {
  return formatPhone(phone);
}
