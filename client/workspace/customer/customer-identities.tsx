import { useState, type FormEvent } from "react";
import type { CustomerView } from "../../../shared/api.ts";
import { CustomerTier } from "../../../shared/domain.ts";
import { formatPhone } from "../../../shared/phone.ts";
import { errorMessage } from "../../lib/api.ts";
import { customerApi } from "../../lib/customer-api.ts";
import { formatTime, tierLabel } from "../common/format.ts";
import { customerName } from "./customer-name.ts";

const kindLabel = { phone: "Phone", email: "Email", chat_visitor: "Chat visitor" } as const;
/** Where an address came from, from the source the ingest recorded ("inbound:sms", "chat:verified:<widget>"). */
function sourceLabel(source: string): string {
  if (source.startsWith("inbound:")) return { sms: "from an SMS", voice: "from a call", email: "from an email", chat: "from a chat" }[source.slice(8)] ?? "from a message";
  if (source.startsWith("chat:verified:")) return "verified by the website";
  if (source.startsWith("chat:")) return "from the chat widget";
  if (source === "agent") return "added by an agent";
  return source;
}

export type Props = { customer: CustomerView; onChanged: () => void };

/** The customer's name (editable), tier and every address we know them by, verified or not, and where it came from. */
export function CustomerIdentities({ customer, onChanged }: Props) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(customer.displayName ?? "");
  const [error, setError] = useState<string | null>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await customerApi.update(customer.id, { displayName: name.trim() || null });
      setEditing(false);
      onChanged();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  async function setTier(value: string) {
    setError(null);
    try {
      await customerApi.setTier(customer.id, value === "derived" ? null : CustomerTier.parse(value));
      onChanged();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  return (
    <section className="customer-panel__section" aria-label="Identities">
      {editing ? (
        <form className="customer-panel__inline-form" onSubmit={save}>
          <input className="input" aria-label="Customer name" value={name} maxLength={120} dir="auto" autoFocus onChange={(e) => setName(e.target.value)} />
          <button className="button button--primary" type="submit">Save</button>
          <button className="button button--quiet" type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : (
        <h2 className="customer-panel__name" dir="auto">
          {customerName(customer)}{" "}
          <button className="link-button customer-panel__edit" type="button" onClick={() => (setName(customer.displayName ?? ""), setEditing(true))}>
            Edit name
          </button>
        </h2>
      )}
      <label className="customer-panel__tier">
        <span className="customer-panel__muted">Tier</span>
        <select className="input" aria-label="Customer tier" value={customer.tierSource === "set" ? customer.tier : "derived"} onChange={(e) => void setTier(e.target.value)}>
          <option value="derived">{tierLabel[customer.tier]} (by value)</option>
          {CustomerTier.options.map((tier) => (
            <option key={tier} value={tier}>
              {tierLabel[tier]} (set)
            </option>
          ))}
        </select>
      </label>
      <p className="customer-panel__muted" data-testid="customer-lifetime-value">
        Lifetime value: {customer.lifetimeValue !== null ? customer.lifetimeValue.toLocaleString() : "not known"}
        {customer.tierSource === "set" ? " · tier set by an agent" : ""}
      </p>
      {error && <p className="customer-panel__error" role="alert">{error}</p>}
      <ul className="customer-panel__list" data-testid="customer-identities">
        {customer.identities.map((identity) => (
          <li key={`${identity.kind}:${identity.value}`} title={`Since ${formatTime(identity.createdAt)}`}>
            <span className="customer-panel__muted">{kindLabel[identity.kind]}</span>{" "}
            <span dir="auto">{identity.kind === "phone" ? formatPhone(identity.value) : identity.value}</span>
            <span className={identity.verified ? "customer-panel__verified" : "customer-panel__muted"}>{identity.verified ? " ✓ verified" : " unverified"}</span>
            <span className="customer-panel__muted"> · {sourceLabel(identity.source)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
