import type { SoftphoneStatus } from "../../lib/softphone.ts";

export type Props = { status: SoftphoneStatus; error: string | null };

const explanation: Record<SoftphoneStatus, string> = {
  off: "The browser softphone is not configured: calls cannot ring in this browser.",
  registering: "Connecting the softphone to Twilio…",
  ready: "Calls ring in this browser.",
  ringing: "A call is ringing.",
  "in-call": "On a call.",
  error: "The softphone is not working: calls cannot ring in this browser right now.",
};

/** The softphone's state word (for tests and screen readers) after "Calls:"; quiet when it is simply off. */
export function SoftphoneIndicator({ status, error }: Props) {
  return (
    <span className={`softphone softphone--${status}`} title={error ?? explanation[status]}>
      Calls: {status === "off" ? "softphone " : ""}
      <span data-testid="softphone-state">{status}</span>
    </span>
  );
}
