import { useState } from "react";
import type { MonitorMode } from "../../../shared/call-monitor.ts";
import { errorMessage } from "../../lib/api.ts";
import { callMonitorApi } from "../../lib/call-monitor-api.ts";
import { monitorModeLabel, useCallMonitors } from "../../lib/use-call-monitors.ts";

export type Props = {
  /** The call's conversation. */
  conversationId: string;
  /** The signed-in supervisor or admin: their own monitoring is the one these buttons change. */
  selfId: string;
};

const MODES: { mode: MonitorMode; label: string; hint: string }[] = [
  { mode: "listen", label: "Listen", hint: "Hear the call; nobody hears you" },
  { mode: "whisper", label: "Whisper", hint: "Only the agent hears you" },
  { mode: "barge", label: "Barge", hint: "Join the call: everyone hears you" },
];

/** A supervisor's listen, whisper, barge and stop on a call in progress (the workspace and the live board). */
export function MonitorControls({ conversationId, selfId }: Props) {
  const { monitors, replace } = useCallMonitors(conversationId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = monitors.find((m) => m.agentId === selfId)?.mode ?? null;
  const others = monitors.filter((m) => m.agentId !== selfId);

  async function run(request: () => Promise<{ monitors: typeof monitors }>) {
    setBusy(true);
    setError(null);
    try {
      replace((await request()).monitors);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="monitor-controls" role="group" aria-label="Monitor this call" data-testid="monitor-controls" data-mode={mine ?? "none"}>
      {MODES.map(({ mode, label, hint }) => (
        <button
          key={mode}
          className="button"
          type="button"
          title={hint}
          aria-pressed={mine === mode}
          disabled={busy || mine === mode}
          onClick={() => void run(() => callMonitorApi.monitor(conversationId, { mode, via: "softphone" }))}
          data-testid={`monitor-${mode}`}
        >
          {label}
        </button>
      ))}
      {mine && (
        <button className="button button--danger" type="button" disabled={busy} onClick={() => void run(() => callMonitorApi.stop(conversationId))} data-testid="monitor-stop">
          Stop
        </button>
      )}
      {mine && (
        <span className="monitor-controls__state" role="status">
          You are {monitorModeLabel[mine]}
        </span>
      )}
      {others.length > 0 && (
        <span className="monitor-controls__others">Also on the call: {others.map((m) => `${m.name} (${monitorModeLabel[m.mode]})`).join(", ")}</span>
      )}
      {error && (
        <span className="inline-error" role="alert" data-testid="monitor-error">
          {error}
        </span>
      )}
    </div>
  );
}
