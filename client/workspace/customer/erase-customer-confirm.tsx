import { useState } from "react";
import { errorMessage } from "../../lib/api.ts";
import { privacyApi } from "./privacy-api.ts";

type Props = {
  customerId: string;
  customerName: string;
  onErased: () => void;
  onCancel: () => void;
};

/** Names what erasing does before an admin confirms it; the reason goes to the audit log. */
export function EraseCustomerConfirm({ customerId, customerName, onErased, onCancel }: Props) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const erase = async () => {
    setBusy(true);
    setError(null);
    try {
      await privacyApi.erase(customerId, { confirm: true, reason: reason.trim() });
      onErased();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <div className="privacy__confirm" role="alertdialog" aria-label="Erase customer" aria-describedby="privacy-erase-consequences">
      <p><strong>Erase {customerName}?</strong> This cannot be undone.</p>
      <ul id="privacy-erase-consequences" className="privacy__consequences">
        <li>Their name, phone numbers, email addresses and chat ids are deleted.</li>
        <li>Every message, email, attachment, note and reminder text is erased; the conversations stay, empty, so report counts do not change.</li>
        <li>Replies still waiting to be sent are cancelled.</li>
        <li>If they write again, they start as a new customer.</li>
        <li>The consent history stays, without what they wrote.</li>
      </ul>
      <label className="privacy__reason">
        Reason (kept in the audit log; no personal data)
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. Erasure request by email, ticket 1234" maxLength={500} />
      </label>
      {error && <p className="privacy__error" role="alert">{error}</p>}
      <div className="privacy__actions">
        <button type="button" className="privacy__danger" disabled={busy || reason.trim().length < 3} onClick={() => void erase()}>
          {busy ? "Erasing…" : "Erase permanently"}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </div>
  );
}
