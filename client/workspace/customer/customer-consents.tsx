import type { CustomerView } from "../../../shared/api.ts";
import { channelLabel } from "../../../shared/events.ts";

/** Consent per channel: an opted-out channel is never sent to. */
export function CustomerConsents({ customer }: { customer: CustomerView }) {
  if (customer.consents.length === 0) return null;
  return (
    <section className="customer-panel__section" aria-label="Consent">
      <h3>Consent</h3>
      <ul className="customer-panel__list" data-testid="customer-consents">
        {customer.consents.map((consent) => (
          <li key={consent.channel}>
            {channelLabel[consent.channel]}: {consent.status === "opted_out" ? "opted out" : "opted in"}
          </li>
        ))}
      </ul>
    </section>
  );
}
