import { AgentChoices } from "./agent-choices.tsx";
import { CallMenu } from "./call-menu.tsx";

export type Props = {
  /** A call control is under way: nothing to choose until it is done. */
  disabled: boolean;
  /** Why it is disabled, when that is not simply a request under way. */
  why?: string;
  /** Hands the call to that agent; resolves whether it worked. */
  onTransfer: (toAgentId: string) => Promise<boolean>;
  /** Sends the caller back to the queue; resolves whether it worked. */
  onRequeue: () => Promise<boolean>;
};

/** "Transfer": a small menu of the agents who can take the call, and the queue. */
export function TransferMenu({ disabled, why, onTransfer, onRequeue }: Props) {
  return (
    <CallMenu label="Transfer" title={why} testId="call-transfer" disabled={disabled}>
      {(choose) => (
        <AgentChoices label="Transfer the call" testId="transfer-menu" targetTestId="transfer-target" disabled={disabled} onPick={(id) => choose(() => onTransfer(id))}>
          <button className="transfer-menu__item transfer-menu__item--queue" type="button" role="menuitem" disabled={disabled} onClick={() => choose(onRequeue)} data-testid="transfer-requeue">
            Back to the queue
          </button>
        </AgentChoices>
      )}
    </CallMenu>
  );
}
