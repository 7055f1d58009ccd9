import { useTransferTargets } from "../../lib/use-transfer-targets.ts";
import { presenceLabel } from "../common/format.ts";

export type Props = {
  disabled: boolean;
  onTransfer: (toAgentId: string) => void;
  onRequeue: () => void;
};

/** Mounted only while the menu is open, so the list of agents is fetched fresh each time. */
export function TransferChoices({ disabled, onTransfer, onRequeue }: Props) {
  const targets = useTransferTargets();
  return (
    <div className="transfer-menu__list" role="menu" aria-label="Transfer the call" data-testid="transfer-menu">
      {targets.status === "loading" && <p className="transfer-menu__note" role="status">Finding agents…</p>}
      {targets.status === "error" && <p className="inline-error transfer-menu__note" role="alert">{targets.error}</p>}
      {targets.status === "ready" && targets.agents.length === 0 && (
        <p className="transfer-menu__note">No other agent is free to take a call now.</p>
      )}
      {targets.agents.map((agent) => (
        <button
          key={agent.id}
          className="transfer-menu__item"
          type="button"
          role="menuitem"
          disabled={disabled}
          onClick={() => onTransfer(agent.id)}
          data-testid="transfer-target"
          data-agent-id={agent.id}
        >
          {agent.name} <span className={`transfer-menu__presence presence--${agent.presence}`}>{presenceLabel[agent.presence]}</span>
        </button>
      ))}
      <button className="transfer-menu__item transfer-menu__item--queue" type="button" role="menuitem" disabled={disabled} onClick={onRequeue} data-testid="transfer-requeue">
        Back to the queue
      </button>
    </div>
  );
}
