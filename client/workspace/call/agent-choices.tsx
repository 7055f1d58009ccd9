import type { ReactNode } from "react";
import { useTransferTargets } from "../../lib/use-transfer-targets.ts";
import { presenceLabel } from "../common/format.ts";

export type Props = {
  /** The menu's accessible name ("Transfer the call", "Consult a colleague"). */
  label: string;
  /** data-testid of the list, and of each agent in it. */
  testId: string;
  targetTestId: string;
  disabled: boolean;
  onPick: (toAgentId: string) => void;
  /** Items after the agents (the transfer's "Back to the queue"). */
  children?: ReactNode;
};

/**
 * The agents who can take the call now, to transfer it to or consult. Mounted only while its menu is
 * open, so the list of agents is fetched fresh each time.
 */
export function AgentChoices({ label, testId, targetTestId, disabled, onPick, children }: Props) {
  const targets = useTransferTargets();
  return (
    <div className="transfer-menu__list" role="menu" aria-label={label} data-testid={testId}>
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
          onClick={() => onPick(agent.id)}
          data-testid={targetTestId}
          data-agent-id={agent.id}
        >
          {agent.name} <span className={`transfer-menu__presence presence--${agent.presence}`}>{presenceLabel[agent.presence]}</span>
        </button>
      ))}
      {children}
    </div>
  );
}
