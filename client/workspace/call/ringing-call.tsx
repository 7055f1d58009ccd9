import { useState } from "react";
import { PhoneIcon } from "./phone-icon.tsx";

export type Props = {
  caller: string;
  /** A problem answering (e.g. no microphone): the agent may try again. */
  error: string | null;
  onAnswer: () => void;
  onDecline: () => void;
};

export function RingingCall({ caller, error, onAnswer, onDecline }: Props) {
  const [answering, setAnswering] = useState(false);
  const connecting = answering && !error;

  return (
    <>
      <PhoneIcon className="call-bar__icon call-bar__icon--ringing" />
      <p className="call-bar__what" role="alert">
        <strong>Incoming call</strong> <span className="call-bar__caller">{caller}</span>
      </p>
      <div className="call-bar__actions">
        <button
          className="button button--answer"
          type="button"
          disabled={connecting}
          onClick={() => {
            setAnswering(true);
            onAnswer();
          }}
          data-testid="call-answer"
        >
          {connecting ? "Connecting…" : "Answer"}
        </button>
        <button className="button button--danger" type="button" onClick={onDecline} data-testid="call-decline">
          Decline
        </button>
      </div>
    </>
  );
}
