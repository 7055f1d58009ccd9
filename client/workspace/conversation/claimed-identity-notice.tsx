import { useState } from "react";
import type { ConversationResponse } from "../../../shared/api.ts";
import { MergeDialog } from "../customer/merge-dialog.tsx";
import { displayAddress } from "../customer/customer-name.ts";

export type Props = {
  claimed: ConversationResponse["claimed"];
  matches: ConversationResponse["suggestedMatches"];
  /** The conversation's customer: a match can be merged with it (after a preview), never by itself. */
  customerId?: string;
  onMerged?: () => void;
};

/** What the customer said about themselves without proof, and who it might be: for the agent to judge. */
export function ClaimedIdentityNotice({ claimed, matches, customerId, onMerged }: Props) {
  const [mergeWith, setMergeWith] = useState<string | null>(null);
  if (!claimed) return null;
  const said = [claimed.name, claimed.email, claimed.phone ? displayAddress(claimed.phone) : null].filter(Boolean).join(" · ");
  return (
    <aside className="notice notice--claimed" data-testid="claimed-identity">
      <strong>Unverified:</strong> the customer says they are <span dir="auto">{said}</span>.
      {matches.length > 0 && (
        <span data-testid="suggested-matches">
          {" "}Possible match{matches.length > 1 ? "es" : ""}:{" "}
          {matches.map((m, i) => (
            <span key={m.id}>
              {i > 0 && ", "}
              {`${m.displayName ?? "a customer"} (${m.matchedOn})`}
              {customerId && (
                <>
                  {" "}
                  <button className="button button--quiet" type="button" onClick={() => setMergeWith(m.id)} data-testid="suggested-match-merge">
                    Merge…
                  </button>
                </>
              )}
            </span>
          ))}{" "}
          — not linked; verify before sharing anything.
        </span>
      )}
      {mergeWith && customerId && (
        <MergeDialog
          currentCustomerId={customerId}
          otherCustomerId={mergeWith}
          onClose={() => setMergeWith(null)}
          onMerged={() => {
            setMergeWith(null);
            onMerged?.();
          }}
        />
      )}
    </aside>
  );
}
