import { AgentChoices } from "./agent-choices.tsx";
import { CallMenu } from "./call-menu.tsx";

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
  return (
    <CallMenu
      label={label}
      title="Put the caller on hold and talk to a colleague first; then hand the call over, or come back to the caller"
      testId="call-consult"
      disabled={disabled}
    >
      {(choose) => (
        <AgentChoices label="Consult a colleague" testId="consult-menu" targetTestId="consult-target" disabled={disabled} onPick={(id) => choose(() => onConsult(id))} />
      )}
    </CallMenu>
  );
}
