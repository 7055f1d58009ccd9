import { CallTimer } from "./call-timer.tsx";
import { PhoneIcon } from "./phone-icon.tsx";

export type Props = {
  caller: string;
  /** When the call was answered (epoch ms). */
  answeredAt: number;
  muted: boolean;
  onToggleMute: () => void;
  onHangUp: () => void;
};

export function ActiveCall({ caller, answeredAt, muted, onToggleMute, onHangUp }: Props) {
  return (
    <>
      <PhoneIcon className="call-bar__icon" />
      <p className="call-bar__what">
        <strong>On call</strong> <span className="call-bar__caller">{caller}</span>
      </p>
      <CallTimer since={answeredAt} />
      {muted && (
        <span className="call-bar__muted" role="status">
          Muted: the caller cannot hear you
        </span>
      )}
      <div className="call-bar__actions">
        <button className="button" type="button" aria-pressed={muted} onClick={onToggleMute} data-testid="call-mute">
          {muted ? "Unmute" : "Mute"}
        </button>
        <button className="button button--danger" type="button" onClick={onHangUp} data-testid="call-hangup">
          Hang up
        </button>
      </div>
    </>
  );
}
