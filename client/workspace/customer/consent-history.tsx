import type { Channel } from "../../../shared/domain.ts";
import { channelLabel } from "../../../shared/events.ts";
import type { ConsentLedger } from "../../../shared/privacy.ts";
import { formatFullTime, formatTime } from "../common/format.ts";

const sourceLabel: Record<string, string> = {
  sms_stop: "replied STOP",
  sms_start: "replied START",
  email_unsubscribe: "unsubscribed by email",
  agent: "recorded by an agent",
  do_not_call: "do not call",
  backfill: "recorded before the ledger",
};

type Props = { ledger: ConsentLedger };

/** Per channel: the current status, and every change with where it came from and when (newest first). */
export function ConsentHistory({ ledger }: Props) {
  const channels = [...new Set<Channel>([...ledger.current.map((c) => c.channel), ...ledger.changes.map((c) => c.channel)])];
  if (channels.length === 0) {
    return <p className="customer-panel__muted" data-testid="consent-ledger-empty">No consent changes: every channel is open.</p>;
  }
  return (
    <ul className="customer-panel__list privacy__channels" data-testid="consent-ledger">
      {channels.map((channel) => {
        const current = ledger.current.find((c) => c.channel === channel);
        const changes = ledger.changes.filter((c) => c.channel === channel);
        return (
          <li key={channel} data-channel={channel}>
            <div className="privacy__channel">
              <strong>{channelLabel[channel]}</strong>
              <span className={`privacy__status privacy__status--${current?.status ?? "opted_in"}`}>
                {current?.status === "opted_out" ? "Opted out" : "Opted in"}
              </span>
            </div>
            <ol className="privacy__history">
              {changes.map((change) => (
                <li key={change.id}>
                  {change.status === "opted_out" ? "Opted out" : "Opted in"} · {sourceLabel[change.source] ?? change.source}
                  {change.actor?.name ? ` (${change.actor.name})` : ""}
                  {" · "}
                  <time dateTime={change.createdAt} title={formatFullTime(change.createdAt)}>{formatTime(change.createdAt)}</time>
                </li>
              ))}
            </ol>
          </li>
        );
      })}
    </ul>
  );
}
