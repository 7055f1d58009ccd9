import { formatDuration } from "../common/format.ts";
import { useNow } from "../common/use-now.ts";

export type Props = { since: number };

/** Time on the call so far, counted from when it was answered. */
export function CallTimer({ since }: Props) {
  const now = useNow(1_000);
  return (
    <span className="call-bar__timer" role="timer" aria-label="Call duration" data-testid="call-timer">
      {formatDuration(now - since)}
    </span>
  );
}
