import { useState } from "react";
import type { AwayReasonView } from "../../../shared/api.ts";
import { SettablePresence, type Presence } from "../../../shared/domain.ts";
import { errorMessage } from "../../lib/api.ts";
import { presenceLabel } from "../common/format.ts";

export type Props = {
  presence: Presence;
  awayReasonId: string | null;
  reasons: AwayReasonView[];
  onChange: (presence: SettablePresence, awayReasonId: string | null) => Promise<void>;
};

/** Option values: a presence, or "away:<reason id>" for away with a reason. */
const AWAY_WITH = "away:";

export function PresenceSelect({ presence, awayReasonId, reasons, onChange }: Props) {
  const [error, setError] = useState<string | null>(null);
  // busy and wrap_up are set by the system: shown, but not choosable.
  const systemSet = !SettablePresence.safeParse(presence).success;
  const value = presence === "away" && awayReasonId ? AWAY_WITH + awayReasonId : presence;

  async function change(choice: string) {
    const reasonId = choice.startsWith(AWAY_WITH) ? choice.slice(AWAY_WITH.length) : null;
    const parsed = SettablePresence.safeParse(reasonId ? "away" : choice);
    if (!parsed.success) return;
    setError(null);
    try {
      await onChange(parsed.data, reasonId);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  return (
    <label className={`presence presence--${presence}`} title={error ?? "Your presence"}>
      <span className="visually-hidden">Presence</span>
      <select
        className="presence__select"
        value={value}
        onChange={(event) => void change(event.target.value)}
        aria-invalid={error ? true : undefined}
        data-testid="presence-select"
      >
        <option value="available">{presenceLabel.available}</option>
        <option value="away">{presenceLabel.away}</option>
        {reasons.map((reason) => (
          <option key={reason.id} value={AWAY_WITH + reason.id}>
            {presenceLabel.away}: {reason.name}
          </option>
        ))}
        {/* A reason retired since the agent chose it still shows as theirs. */}
        {presence === "away" && awayReasonId && !reasons.some((r) => r.id === awayReasonId) && (
          <option value={value} disabled>
            {presenceLabel.away}
          </option>
        )}
        <option value="offline">{presenceLabel.offline}</option>
        {systemSet && (
          <option value={presence} disabled>
            {presenceLabel[presence]}
          </option>
        )}
      </select>
      {error && <span className="presence__error" role="alert">{error}</span>}
    </label>
  );
}
