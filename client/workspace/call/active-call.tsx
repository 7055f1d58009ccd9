import type { ConsultView } from "../../../shared/call-consult.ts";
import { CallTimer } from "./call-timer.tsx";
import { ConsultControls, consultLive } from "./consult-controls.tsx";
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
  /** A warm transfer's consultation on this call, if any. */
  consult: ConsultView | null;
  onConsult: (toAgentId: string) => Promise<boolean>;
  onCompleteTransfer: () => Promise<boolean>;
  onCancelConsult: () => Promise<boolean>;
  onHangUp: () => void;
};

const WHILE_CONSULTING = "The caller stays on hold while you consult: complete the transfer or cancel the consult first.";

export function ActiveCall(props: Props) {
  const { caller, answeredAt, muted, held, busy, onToggleMute, onToggleHold, onTransfer, onRequeue, consult, onHangUp } = props;
  const consulting = consultLive(consult);
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
          disabled={busy || consulting}
          title={consulting ? WHILE_CONSULTING : undefined}
          onClick={onToggleHold}
          data-testid="call-hold"
          data-held={held ? "true" : "false"}
        >
          {held ? "Resume" : "Hold"}
        </button>
        <TransferMenu disabled={busy || consulting} why={consulting ? WHILE_CONSULTING : undefined} onTransfer={onTransfer} onRequeue={onRequeue} />
        <ConsultControls consult={consult} busy={busy} onConsult={props.onConsult} onComplete={props.onCompleteTransfer} onCancel={props.onCancelConsult} />
        <button className="button button--danger" type="button" onClick={onHangUp} data-testid="call-hangup">
          Hang up
        </button>
      </div>
    </>
  );
}
