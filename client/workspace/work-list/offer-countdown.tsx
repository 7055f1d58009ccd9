import { formatCountdown } from "../common/format.ts";
import { useNow } from "../common/use-now.ts";

export type Props = { expiresAt: string };

/** Time left to accept. At zero the offer stays until the server closes it: its clock decides, not ours. */
export function OfferCountdown({ expiresAt }: Props) {
  const now = useNow(1_000);
  const left = Date.parse(expiresAt) - now;
  const urgency = left <= 0 ? "expired" : left <= 10_000 ? "urgent" : "normal";
  return (
    <span className={`countdown countdown--${urgency}`} title={`Offer expires at ${new Date(expiresAt).toLocaleTimeString()}`}>
      {left <= 0 ? "expiring" : formatCountdown(left)}
    </span>
  );
}
