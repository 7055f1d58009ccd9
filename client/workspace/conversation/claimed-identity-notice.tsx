import type { ConversationResponse } from "../../../shared/api.ts";
import { formatPhone } from "../../../shared/phone.ts";

export type Props = { claimed: ConversationResponse["claimed"]; matches: ConversationResponse["suggestedMatches"] };

/** What the customer said about themselves without proof, and who it might be: for the agent to judge. */
export function ClaimedIdentityNotice({ claimed, matches }: Props) {
  if (!claimed) return null;
  const said = [claimed.name, claimed.email, claimed.phone ? formatPhone(claimed.phone) : null].filter(Boolean).join(" · ");
  return (
    <aside className="notice notice--claimed" data-testid="claimed-identity">
      <strong>Unverified:</strong> the customer says they are <span dir="auto">{said}</span>.
      {matches.length > 0 && (
        <span data-testid="suggested-matches">
          {" "}Possible match{matches.length > 1 ? "es" : ""}:{" "}
          {matches.map((m) => `${m.displayName ?? "a customer"} (${m.matchedOn})`).join(", ")} — not linked; verify before sharing anything.
        </span>
      )}
    </aside>
  );
}
