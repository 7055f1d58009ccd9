import { useState } from "react";
import type { CustomerView } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import type { MergeRecord } from "../../../shared/merge.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { AddIdentityForm } from "./add-identity-form.tsx";
import { MergeDialog } from "./merge-dialog.tsx";
import { MergeHistoryList } from "./merge-history-list.tsx";
import { useCustomerMerges } from "./use-customer-merges.ts";
import "./merge-section.css";

export type Props = {
  customer: CustomerView;
  agent: { id: string; role: AgentRole; name: string };
  onCustomerChanged: () => void;
};

/** Add a phone or email; merge with the customer it belongs to (after a preview); undo a merge. */
export function MergeSection({ customer, agent, onCustomerChanged }: Props) {
  void agent; // every role may merge and undo (shared/DESIGN.md); the server decides
  const [mergeWith, setMergeWith] = useState<string | null>(null);
  const [lastMerge, setLastMerge] = useState<MergeRecord | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A fresh form after a merge: its "belongs to someone else" suggestion is settled.
  const [formKey, setFormKey] = useState(0);
  const history = useCustomerMerges(customer.id);

  const merged = (merge: MergeRecord) => {
    setMergeWith(null);
    setLastMerge(merge);
    setFormKey((k) => k + 1);
    history.reload();
    onCustomerChanged();
  };
  const undo = async (mergeId: string) => {
    setBusyId(mergeId);
    setError(null);
    try {
      await api.undoMerge(mergeId);
      setLastMerge(null);
      history.reload();
      onCustomerChanged();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section className="customer-panel__section" aria-label="Merge" data-testid="merge-section">
      <h3>Phone, email and merges</h3>
      {lastMerge && !lastMerge.undoneAt && (
        <p className="merge-section__notice" role="status" data-testid="merge-notice">
          Merged {lastMerge.source.displayName ?? "the other customer"} into {lastMerge.target.displayName ?? "this customer"} —{" "}
          <button className="merge-section__link" type="button" disabled={busyId !== null} onClick={() => undo(lastMerge.id)} data-testid="merge-notice-undo">
            Undo
          </button>
        </p>
      )}
      <AddIdentityForm key={formKey} customerId={customer.id} onAdded={onCustomerChanged} onSuggestMerge={setMergeWith} />
      {error && <p role="alert" className="merge-section__error">{error}</p>}
      <MergeHistoryList customerId={customer.id} merges={history.merges} busyId={busyId} onUndo={undo} />
      {mergeWith && <MergeDialog currentCustomerId={customer.id} otherCustomerId={mergeWith} onClose={() => setMergeWith(null)} onMerged={merged} />}
    </section>
  );
}
