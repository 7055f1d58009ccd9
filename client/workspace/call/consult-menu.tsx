import { useState } from "react";
import { useTransferTargets } from "../../lib/use-transfer-targets.ts";
import { presenceLabel } from "../common/format.ts";

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
      {open && <ConsultChoices disabled={disabled} onConsult={async (id) => (await onConsult(id)) && setOpen(false)} />}
    </div>
  );
}

/** Mounted only while the menu is open, so the list of agents is fetched fresh each time. */
function ConsultChoices({ disabled, onConsult }: { disabled: boolean; onConsult: (toAgentId: string) => void }) {
  const targets = useTransferTargets();
  return (
    <div className="transfer-menu__list" role="menu" aria-label="Consult a colleague" data-testid="consult-menu">
      {targets.status === "loading" && <p className="transfer-menu__note" role="status">Finding agents…</p>}
      {targets.status === "error" && <p className="inline-error transfer-menu__note" role="alert">{targets.error}</p>}
      {targets.status === "ready" && targets.agents.length === 0 && <p className="transfer-menu__note">No other agent is free to take a call now.</p>}
      {targets.agents.map((agent) => (
        <button
          key={agent.id}
          className="transfer-menu__item"
          type="button"
          role="menuitem"
          disabled={disabled}
          onClick={() => onConsult(agent.id)}
          data-testid="consult-target"
          data-agent-id={agent.id}
        >
          {agent.name} <span className={`transfer-menu__presence presence--${agent.presence}`}>{presenceLabel[agent.presence]}</span>
        </button>
      ))}
    </div>
  );
}
