import { useState, type FormEvent } from "react";
import { SuggestedMergeDetails } from "../../../shared/merge.ts";
import { ApiError, api, errorMessage } from "../../lib/api.ts";

export type Props = {
  customerId: string;
  onAdded: () => void;
  /** The address belongs to another customer: offer to merge them (never done without a preview). */
  onSuggestMerge: (customerId: string) => void;
};

/** A phone or email the customer gave the agent. Someone else's address is not added: a merge is suggested. */
export function AddIdentityForm({ customerId, onAdded, onSuggestMerge }: Props) {
  const [kind, setKind] = useState<"phone" | "email">("email");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [owner, setOwner] = useState<SuggestedMergeDetails["suggestedMerge"] | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setOwner(null);
    try {
      await api.addIdentity(customerId, { kind, value });
      setValue("");
      onAdded();
    } catch (failure) {
      const suggestion = failure instanceof ApiError && failure.code === "CONFLICT" ? SuggestedMergeDetails.safeParse(failure.details) : null;
      if (suggestion?.success) setOwner(suggestion.data.suggestedMerge);
      else setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="merge-section__form" onSubmit={submit} aria-label="Add phone or email">
      <select className="input" value={kind} onChange={(e) => setKind(e.target.value as "phone" | "email")} aria-label="Kind" data-testid="identity-kind">
        <option value="email">Email</option>
        <option value="phone">Phone</option>
      </select>
      <input
        className="input"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder={kind === "email" ? "name@example.com" : "+1 415 555 0100"}
        aria-label={kind === "email" ? "Email address" : "Phone number"}
        data-testid="identity-value"
      />
      <button className="button" type="submit" disabled={busy || !value.trim()} data-testid="identity-add">Add</button>
      {error && <p role="alert" className="merge-section__error">{error}</p>}
      {owner && (
        <p role="alert" className="merge-section__suggestion" data-testid="identity-conflict">
          This belongs to {owner.displayName ?? "another customer"} —{" "}
          <button className="merge-section__link" type="button" onClick={() => onSuggestMerge(owner.customerId)} data-testid="identity-suggest-merge">
            merge?
          </button>
        </p>
      )}
    </form>
  );
}
