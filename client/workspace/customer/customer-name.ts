// How a customer is named on every screen: their best-known name, then phone, then email — never an id.
import type { CustomerView } from "../../../shared/api.ts";
import { formatPhone } from "../../../shared/phone.ts";

/** A phone is shown in one international format everywhere; other addresses as they are. */
export function displayAddress(address: string): string {
  return /^\+[1-9]\d{6,14}$/.test(address) ? formatPhone(address) : address;
}

export function customerName(customer: CustomerView): string {
  if (customer.displayName) return customer.displayName;
  const phone = customer.identities.find((i) => i.kind === "phone");
  if (phone) return formatPhone(phone.value);
  const email = customer.identities.find((i) => i.kind === "email");
  if (email) return email.value;
  return "Website visitor";
}
