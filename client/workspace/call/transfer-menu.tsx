import { useState } from "react";
import { TransferChoices } from "./transfer-choices.tsx";

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
  const [open, setOpen] = useState(false);

  async function choose(action: () => Promise<boolean>) {
    // On failure the menu stays open to pick again; the reason shows in the bar.
    if (await action()) setOpen(false);
  }

  return (
    <div className="transfer-menu">
      <button
        className="button"
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled && !open}
        title={why}
        onClick={() => setOpen((current) => !current)}
        data-testid="call-transfer"
      >
        Transfer
      </button>
      {open && <TransferChoices disabled={disabled} onTransfer={(id) => choose(() => onTransfer(id))} onRequeue={() => choose(onRequeue)} />}
    </div>
  );
}
