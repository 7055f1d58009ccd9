import { AgentChoices } from "./agent-choices.tsx";

export type Props = {
  disabled: boolean;
  onTransfer: (toAgentId: string) => void;
  onRequeue: () => void;
};

/** The agents to transfer the call to, or back to the queue. */
export function TransferChoices({ disabled, onTransfer, onRequeue }: Props) {
  return (
    <AgentChoices label="Transfer the call" testId="transfer-menu" targetTestId="transfer-target" disabled={disabled} onPick={onTransfer}>
      <button className="transfer-menu__item transfer-menu__item--queue" type="button" role="menuitem" disabled={disabled} onClick={onRequeue} data-testid="transfer-requeue">
        Back to the queue
      </button>
    </AgentChoices>
  );
}
