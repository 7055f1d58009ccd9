import type { CustomerView } from "../../../shared/api.ts";
import { formatPhone } from "../../../shared/phone.ts";
import { tierLabel } from "../common/format.ts";

const kindLabel = { phone: "Phone", email: "Email", chat_visitor: "Chat visitor" } as const;

/** The customer's name, tier and every address we know them by, verified or not. */
export function CustomerIdentities({ customer }: { customer: CustomerView }) {
  return (
    <section className="customer-panel__section" aria-label="Identities">
      <h2 className="customer-panel__name" dir="auto">{customer.displayName ?? (customer.identities[0]?.kind === "phone" ? formatPhone(customer.identities[0].value) : customer.identities[0]?.value) ?? "Unknown customer"}</h2>
      <p className="customer-panel__muted">{tierLabel[customer.tier]} customer</p>
      <ul className="customer-panel__list" data-testid="customer-identities">
        {customer.identities.map((identity) => (
          <li key={`${identity.kind}:${identity.value}`}>
            <span className="customer-panel__muted">{kindLabel[identity.kind]}</span>{" "}
            <span dir="auto">{identity.kind === "phone" ? formatPhone(identity.value) : identity.value}</span>
            {identity.verified ? " · verified" : " · unverified"}
          </li>
        ))}
      </ul>
    </section>
  );
}
