import { useConnectionState } from "../../lib/use-connection-state.ts";

/**
 * The text is exactly the state word (`connected` / `reconnecting`) for tests and screen readers;
 * the dot and the ellipsis come from CSS.
 */
export function ConnectionIndicator() {
  const state = useConnectionState();
  const title = state === "connected" ? "Live updates on" : "Live updates paused: reconnecting to the server";
  return (
    <span className={`connection connection--${state}`} role="status" title={title} data-testid="connection-state">
      {state}
    </span>
  );
}
