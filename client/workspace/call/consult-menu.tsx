import { useState } from "react";
import { AgentChoices } from "./agent-choices.tsx";

export type Props = {
  /** "Consult…", or "Consult someone else…" after a colleague did not answer. */
  label: string;
  /** A call control is under way: nothing to choose until it is done. */
  disabled: boolean;
  /** Calls that colleague with the caller on hold; resolves whether it worked. */
  onConsult: (toAgentId: string) => Promise<boolean>;
};

/** "Consult…": the agents who can take the call (as for a transfer), to talk to before handing it over. */
export function ConsultMenu({ label, disabled, onConsult }: Props) {
  const [open, setOpen] = useState(false);
  return (
    <div className="transfer-menu">
      <button
        className="button"
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled && !open}
        title="Put the caller on hold and talk to a colleague first; then hand the call over, or come back to the caller"
        onClick={() => setOpen((current) => !current)}
        data-testid="call-consult"
      >
        {label}
      </button>
      {/* On failure the menu stays open to pick again; the reason shows in the bar. */}
      {open && (
        <AgentChoices
          label="Consult a colleague"
          testId="consult-menu"
          targetTestId="consult-target"
          disabled={disabled}
          onPick={async (id) => (await onConsult(id)) && setOpen(false)}
        />
      )}
    </div>
  );
}
