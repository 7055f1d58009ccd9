import { monitorModeLabel, useCallMonitors } from "../../lib/use-call-monitors.ts";

export type Props = {
  /** The agent's call: the server tells them who monitors it when the business announces monitoring. */
  conversationId: string | null;
};

/** "Being monitored by Sam (listening)" on the agent's call panel. */
export function MonitoredNotice({ conversationId }: Props) {
  const { monitors } = useCallMonitors(conversationId);
  if (monitors.length === 0) return null;
  return (
    <span className="call-bar__monitored" role="status" data-testid="call-monitored">
      Being monitored by {monitors.map((m) => `${m.name} (${monitorModeLabel[m.mode]})`).join(", ")}
    </span>
  );
}
