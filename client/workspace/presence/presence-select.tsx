import { useState } from "react";
import { SettablePresence, type Presence } from "../../../shared/domain.ts";
import { errorMessage } from "../../lib/api.ts";
import { presenceLabel } from "../common/format.ts";

export type Props = {
  presence: Presence;
  onChange: (presence: SettablePresence) => Promise<void>;
};

export function PresenceSelect({ presence, onChange }: Props) {
  const [error, setError] = useState<string | null>(null);
  // busy and wrap_up are set by the system: shown, but not choosable.
  const systemSet = !SettablePresence.safeParse(presence).success;

  async function change(value: string) {
    const parsed = SettablePresence.safeParse(value);
    if (!parsed.success) return;
    setError(null);
    try {
      await onChange(parsed.data);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  return (
    <label className={`presence presence--${presence}`} title={error ?? "Your presence"}>
      <span className="visually-hidden">Presence</span>
      <select
        className="presence__select"
        value={presence}
        onChange={(event) => void change(event.target.value)}
        aria-invalid={error ? true : undefined}
        data-testid="presence-select"
      >
        {SettablePresence.options.map((option) => (
          <option key={option} value={option}>
            {presenceLabel[option]}
          </option>
        ))}
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
