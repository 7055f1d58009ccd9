import { useEffect, useState } from "react";
import type { Presence, SettablePresence } from "../../shared/domain.ts";
import { supervisorApi } from "../lib/supervisor-api.ts";
import { useBoardAction } from "./use-board-action.ts";
import "./supervisor-actions.css";

export type Props = {
  agent: { id: string; name: string; presence: Presence; awayReasonId: string | null };
  awayReasons: { id: string; name: string }[];
  onDone?: () => void;
};

/** Option values: a presence, or "away:<reason id>". */
const AWAY_WITH = "away:";

/** busy and wrap_up are the system's: no choice is preselected for them. */
function currentChoice(presence: Presence, awayReasonId: string | null): string {
  if (presence === "away") return awayReasonId ? AWAY_WITH + awayReasonId : "away";
  return presence === "available" || presence === "offline" ? presence : "";
}

/** Change another agent's state, or sign them out (asked once more first: it closes their workspace). */
export function AgentActions({ agent, awayReasons, onDone }: Props) {
  const [choice, setChoice] = useState(() => currentChoice(agent.presence, agent.awayReasonId));
  const [confirming, setConfirming] = useState(false);
  const action = useBoardAction();
  // The board's live state wins: a change made elsewhere (the agent, another supervisor) shows here.
  useEffect(() => setChoice(currentChoice(agent.presence, agent.awayReasonId)), [agent.presence, agent.awayReasonId]);

  const setState = () => {
    const awayReasonId = choice.startsWith(AWAY_WITH) ? choice.slice(AWAY_WITH.length) : null;
    const presence = (awayReasonId ? "away" : choice) as SettablePresence;
    return action.run(() => supervisorApi.setState(agent.id, { presence, ...(awayReasonId ? { awayReasonId } : {}) }), onDone);
  };

  return (
    <div className="sv-actions" aria-busy={action.busy}>
      <div className="sv-actions__group">
        <select className="sv-select" aria-label={`State of ${agent.name}`} value={choice} onChange={(e) => { setChoice(e.target.value); action.clear(); }} disabled={action.busy}>
          {choice === "" && <option value="">Choose a state…</option>}
          <option value="available">Available</option>
          <option value="away">Away</option>
          {awayReasons.map((r) => (
            <option key={r.id} value={AWAY_WITH + r.id}>
              Away: {r.name}
            </option>
          ))}
          <option value="offline">Offline</option>
        </select>
        <button type="button" className="sv-button" disabled={action.busy || choice === ""} onClick={() => void setState()}>
          Set state
        </button>
      </div>
      {confirming ? (
        <div className="sv-confirm" role="group" aria-label="Confirm sign out">
          <span>Sign {agent.name} out everywhere now?</span>
          <button
            type="button"
            className="sv-button sv-button--danger"
            disabled={action.busy}
            onClick={() => void action.run(() => supervisorApi.signOut(agent.id), () => { setConfirming(false); onDone?.(); })}
          >
            Yes, sign out
          </button>
          <button type="button" className="sv-button" disabled={action.busy} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="sv-button sv-button--danger" disabled={action.busy} onClick={() => setConfirming(true)}>
          Sign out
        </button>
      )}
      {action.error && (
        <p className="sv-error" role="alert">
          {action.error}
        </p>
      )}
    </div>
  );
}
