import type { ConsultView } from "../../../shared/call-consult.ts";
import { consultStateLabel } from "../../lib/use-call-consult.ts";
import { ConsultMenu } from "./consult-menu.tsx";

export type Props = {
  /** The consultation under way, or the one the colleague ended while the caller is still on hold. */
  consult: ConsultView | null;
  busy: boolean;
  onConsult: (toAgentId: string) => Promise<boolean>;
  onComplete: () => Promise<boolean>;
  onCancel: () => Promise<boolean>;
};

export const consultLive = (consult: ConsultView | null) => consult?.state === "ringing" || consult?.state === "talking";

/** Why "Complete transfer" cannot be pressed now; null when it can. */
function whyNotComplete(consult: ConsultView, busy: boolean): string | null {
  if (consult.state === "ringing") return `${consult.name} has not answered yet: you can hand the call over once they do.`;
  if (busy) return "Wait for the last request to finish.";
  return null;
}

/** Warm transfer on the call bar: "Consult…", then who is consulted and how far it got, "Complete transfer" and "Cancel consult". */
export function ConsultControls({ consult, busy, onConsult, onComplete, onCancel }: Props) {
  if (!consult) return <ConsultMenu label="Consult…" disabled={busy} onConsult={onConsult} />;
  const status = (
    <span className="call-bar__consult" role="status" data-testid="consult-status">
      Consulting <strong>{consult.name}</strong>: {consultStateLabel[consult.state]}
    </span>
  );
  if (!consultLive(consult)) {
    return (
      <div className="consult" role="group" aria-label="Warm transfer" data-testid="consult-panel" data-state={consult.state}>
        {status}
        {/* Resume (the hold button beside) brings the caller back; this server keeps them on hold until then. */}
        <span className="consult__why" data-testid="consult-why">
          The caller is still on hold: Resume to go back to them.
        </span>
        <ConsultMenu label="Consult someone else…" disabled={busy} onConsult={onConsult} />
      </div>
    );
  }
  const why = whyNotComplete(consult, busy);
  return (
    <div className="consult" role="group" aria-label="Warm transfer" data-testid="consult-panel" data-state={consult.state}>
      {status}
      <button
        className="button button--primary"
        type="button"
        disabled={why !== null}
        title={why ?? `Hand the caller to ${consult.name}; the call ends here`}
        aria-describedby={why ? "consult-why" : undefined}
        onClick={() => void onComplete()}
        data-testid="consult-complete"
      >
        Complete transfer
      </button>
      <button className="button" type="button" disabled={busy} title={`${consult.name} leaves the call; you are back with the caller`} onClick={() => void onCancel()} data-testid="consult-cancel">
        Cancel consult
      </button>
      {why && (
        <span className="consult__why" id="consult-why" data-testid="consult-why">
          {why}
        </span>
      )}
    </div>
  );
}
