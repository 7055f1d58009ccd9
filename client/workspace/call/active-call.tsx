import { CallTimer } from "./call-timer.tsx";
import { PhoneIcon } from "./phone-icon.tsx";
import { TransferMenu } from "./transfer-menu.tsx";

export type Props = {
  caller: string;
  /** When the call was answered (epoch ms). */
  answeredAt: number;
  muted: boolean;
  /** The caller is on hold, hearing music. */
  held: boolean;
  /** A hold, resume or transfer is under way. */
  busy: boolean;
  onToggleMute: () => void;
  onToggleHold: () => void;
  onTransfer: (toAgentId: string) => Promise<boolean>;
  onRequeue: () => Promise<boolean>;
  onHangUp: () => void;
};

export function ActiveCall({ caller, answeredAt, muted, held, busy, onToggleMute, onToggleHold, onTransfer, onRequeue, onHangUp }: Props) {
  return (
    <>
      <PhoneIcon className="call-bar__icon" />
      <p className="call-bar__what">
        <strong>{held ? "On hold" : "On call"}</strong> <span className="call-bar__caller">{caller}</span>
      </p>
      <CallTimer since={answeredAt} />
      {held && (
        <span className="call-bar__muted" role="status">
          On hold: the caller hears music
        </span>
      )}
      {muted && !held && (
        <span className="call-bar__muted" role="status">
          Muted: the caller cannot hear you
        </span>
      )}
      <div className="call-bar__actions">
        <button className="button" type="button" aria-pressed={muted} onClick={onToggleMute} data-testid="call-mute">
          {muted ? "Unmute" : "Mute"}
        </button>
        <button
          className="button"
          type="button"
          aria-pressed={held}
          disabled={busy}
          onClick={onToggleHold}
          data-testid="call-hold"
          data-held={held ? "true" : "false"}
        >
          {held ? "Resume" : "Hold"}
        </button>
        <TransferMenu disabled={busy} onTransfer={onTransfer} onRequeue={onRequeue} />
        <button className="button button--danger" type="button" onClick={onHangUp} data-testid="call-hangup">
          Hang up
        </button>
      </div>
    </>
  );
}
