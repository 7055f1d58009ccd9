import { useState } from "react";
import { errorMessage } from "../../lib/api.ts";
import { PhoneIcon } from "./phone-icon.tsx";

export type Props = {
  /** Rings the customer, then this softphone; throws the ApiError (e.g. they asked not to be called). */
  onCall: () => Promise<void>;
  /** "Call" by default; "Call back" for a missed call. */
  label?: string;
};

/** "Call": phones the customer. The call then rings in this browser's call bar like any other. */
export function ClickToCall({ onCall, label = "Call" }: Props) {
  const [calling, setCalling] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function call() {
    setCalling(true);
    setError(null);
    try {
      await onCall();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setCalling(false);
    }
  }

  return (
    <>
      {error && (
        <span className="inline-error" role="alert" data-testid="click-to-call-error">
          {error}
        </span>
      )}
      <button className="button button--call" type="button" onClick={call} disabled={calling} data-testid="click-to-call">
        <PhoneIcon className="button__icon" />
        {calling ? "Calling…" : label}
      </button>
    </>
  );
}
