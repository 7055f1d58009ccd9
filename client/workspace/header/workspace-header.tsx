import { useState } from "react";
import type { AgentView } from "../../../shared/api.ts";
import type { SettablePresence } from "../../../shared/domain.ts";
import type { SoftphoneStatus } from "../../lib/softphone.ts";
import { SoftphoneIndicator } from "../call/softphone-indicator.tsx";
import { PresenceSelect } from "../presence/presence-select.tsx";
import { useAwayReasons } from "../../lib/use-away-reasons.ts";
import { ConnectionIndicator } from "./connection-indicator.tsx";
import { CustomerSearch } from "../search/customer-search.tsx";
import { AlertSettingsMenu } from "./alert-settings.tsx";
import type { AlertSettings } from "../../lib/use-attention.ts";

export type Props = {
  agent: AgentView;
  softphone: { status: SoftphoneStatus; error: string | null };
  onSetPresence: (presence: SettablePresence, awayReasonId: string | null) => Promise<void>;
  onSignOut: () => Promise<void>;
  alerts: { settings: AlertSettings; onChange: (next: AlertSettings) => void };
  /** Opens a conversation found by the search box. */
  onOpenConversation: (id: string) => void;
};

export function WorkspaceHeader({ agent, softphone, onSetPresence, onSignOut, alerts, onOpenConversation }: Props) {
  const awayReasons = useAwayReasons();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    try {
      await onSignOut();
    } catch {
      setSigningOut(false);
    }
  }

  return (
    <header className="topbar">
      <div className="topbar__brand">Switchboard</div>
      <ConnectionIndicator />
      <SoftphoneIndicator status={softphone.status} error={softphone.error} />
      <CustomerSearch onOpenConversation={onOpenConversation} />
      <div className="topbar__spacer" />
      <div className="topbar__agent">
        <span className="topbar__name">{agent.name}</span>
        <span className="topbar__role">{agent.role}</span>
      </div>
      {agent.role !== "agent" && (
        <a className="button button--quiet admin-link" href="#board" data-testid="open-board">
          Board
        </a>
      )}
      {agent.role !== "agent" && (
        <a className="button button--quiet admin-link" href="#admin" data-testid="open-admin">
          Team
        </a>
      )}
      {agent.role !== "agent" && (
        <a className="button button--quiet admin-link" href="#reports" data-testid="open-reports">
          Reports
        </a>
      )}
      <AlertSettingsMenu settings={alerts.settings} onChange={alerts.onChange} />
      <PresenceSelect presence={agent.presence} awayReasonId={agent.awayReason?.id ?? null} reasons={awayReasons} onChange={onSetPresence} />
      <button className="button button--quiet" type="button" onClick={signOut} disabled={signingOut} data-testid="signout">
        Sign out
      </button>
    </header>
  );
}
