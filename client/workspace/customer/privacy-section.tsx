import { customerName } from "./customer-name.ts";
import { useCallback, useEffect, useState } from "react";
import type { CustomerView } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import type { ConsentLedger } from "../../../shared/privacy.ts";
import { errorMessage } from "../../lib/api.ts";
import { formatFullTime } from "../common/format.ts";
import { ConsentHistory } from "./consent-history.tsx";
import { EraseCustomerConfirm } from "./erase-customer-confirm.tsx";
import { privacyApi } from "./privacy-api.ts";
import "./privacy-section.css";

type Props = {
  customer: CustomerView;
  agent: { id: string; role: AgentRole; name: string };
  onCustomerChanged: () => void;
};

/** Consent per channel with its history, and for admins the customer's export and erasure. */
export function PrivacySection({ customer, agent, onCustomerChanged }: Props) {
  const [ledger, setLedger] = useState<ConsentLedger | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  // The panel's customer changes when consent does (a STOP arrives, an agent records one): read again then.
  const consentKey = JSON.stringify(customer.consents);
  const load = useCallback(() => {
    privacyApi.consentLedger(customer.id).then(
      (l) => {
        setLedger(l);
        setError(null);
      },
      (err) => setError(errorMessage(err)),
    );
  }, [customer.id]);
  useEffect(load, [load, consentKey]);

  const isAdmin = agent.role === "admin";
  const erased = ledger?.erasedAt ?? null;
  return (
    <section className="customer-panel__section privacy" aria-label="Privacy" data-testid="privacy-section">
      <h3>Consent &amp; privacy</h3>
      {error && <p className="privacy__error" role="alert">{error}</p>}
      {erased && (
        <p className="privacy__erased" data-testid="customer-erased">
          <span className="privacy__badge">Erased</span> <time dateTime={erased}>{formatFullTime(erased)}</time>
        </p>
      )}
      {ledger && <ConsentHistory ledger={ledger} />}
      {isAdmin && ledger && !erased && !confirming && (
        <div className="privacy__actions">
          <a className="privacy__export" href={privacyApi.exportUrl(customer.id)} download>Export (JSON)</a>
          <button type="button" className="privacy__danger" onClick={() => setConfirming(true)}>Erase customer…</button>
        </div>
      )}
      {confirming && (
        <EraseCustomerConfirm
          customerId={customer.id}
          customerName={customerName(customer)}
          onCancel={() => setConfirming(false)}
          onErased={() => {
            setConfirming(false);
            load();
            onCustomerChanged();
          }}
        />
      )}
    </section>
  );
}
