import { useEffect, useState } from "react";
import type { MergePreview, MergeRecord } from "../../../shared/merge.ts";
import { channelLabel } from "../../../shared/events.ts";
import { formatPhone } from "../../../shared/phone.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { tierLabel } from "../common/format.ts";

export type Props = {
  /** The customer open in the panel, and the other one (a suggested match). */
  currentCustomerId: string;
  otherCustomerId: string;
  onClose: () => void;
  onMerged: (merge: MergeRecord) => void;
};

const consentLabel = { opted_in: "opted in", opted_out: "opted out" } as const;
const nameOf = (c: { displayName: string | null }) => c.displayName ?? "Unnamed customer";

/** Shows what merging one customer into the other moves and settles; merges only on Confirm. */
export function MergeDialog({ currentCustomerId, otherCustomerId, onClose, onMerged }: Props) {
  // By default the other record joins the one open here, so the agent stays on their customer.
  const [intoCurrent, setIntoCurrent] = useState(true);
  const [sourceId, targetId] = intoCurrent ? [otherCustomerId, currentCustomerId] : [currentCustomerId, otherCustomerId];
  const [preview, setPreview] = useState<MergePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    setPreview(null);
    setError(null);
    api.mergePreview(sourceId, targetId).then(
      (r) => current && setPreview(r.preview),
      (failure) => current && setError(errorMessage(failure)),
    );
    return () => {
      current = false;
    };
  }, [sourceId, targetId]);

  const confirm = async () => {
    setBusy(true);
    try {
      onMerged((await api.mergeCustomers(sourceId, targetId)).merge);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };

  const m = preview?.moves;
  const c = preview?.conflicts;
  return (
    <div className="merge-dialog__backdrop">
      <div className="merge-dialog" role="dialog" aria-modal="true" aria-labelledby="merge-dialog-title" data-testid="merge-dialog">
        <h2 id="merge-dialog-title">
          {preview ? `Merge ${nameOf(preview.source)} into ${nameOf(preview.target)}` : "Merge customers"}
        </h2>
        <button className="merge-section__link" type="button" onClick={() => setIntoCurrent(!intoCurrent)} disabled={busy} data-testid="merge-swap">
          Keep the other record instead
        </button>
        {error && <p role="alert" className="merge-dialog__error">{error}</p>}
        {!preview && !error && <p role="status">Loading what would move…</p>}
        {m && c && preview && (
          <div data-testid="merge-preview">
            <h3>Moves to {nameOf(preview.target)}</h3>
            <ul className="merge-dialog__list">
              {m.identities.map((i) => (
                <li key={i.id}>{i.kind === "phone" ? formatPhone(i.value) : i.value}</li>
              ))}
              <li>
                {m.openConversations.length} open conversation{m.openConversations.length === 1 ? "" : "s"}
                {m.openConversations.length > 0 && `: ${m.openConversations.map((o) => channelLabel[o.channel]).join(", ")}`}
              </li>
              <li>{m.closedConversationCount} closed conversation{m.closedConversationCount === 1 ? "" : "s"}</li>
              <li data-testid="merge-preview-counts">
                {m.messageCount} messages · {m.noteCount} notes · {m.reminderCount} reminders · {m.attachmentCount} files
              </li>
              {m.consents.map((s) => (
                <li key={s.channel}>{channelLabel[s.channel]} consent: {consentLabel[s.status]}</li>
              ))}
            </ul>
            <h3>Settled</h3>
            <ul className="merge-dialog__list" data-testid="merge-conflicts">
              <li>Name: {c.displayName.result ?? "none"}</li>
              <li>Tier: {tierLabel[c.tier.result]}{c.tier.source !== c.tier.target && " (the higher)"}</li>
              {c.consents.map((s) => (
                <li key={s.channel}>
                  {channelLabel[s.channel]} consent: {consentLabel[s.result]}
                  {s.source !== s.target && " (an opt-out wins)"}
                </li>
              ))}
            </ul>
            <p className="customer-panel__muted">The merge is recorded and can be undone from the merge history.</p>
          </div>
        )}
        <div className="merge-dialog__actions">
          <button className="button" type="button" onClick={onClose} disabled={busy}>Cancel</button>
          <button className="button button--primary" type="button" onClick={confirm} disabled={!preview || busy} data-testid="merge-confirm">
            Confirm merge
          </button>
        </div>
      </div>
    </div>
  );
}
