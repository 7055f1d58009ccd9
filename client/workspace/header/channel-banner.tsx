import type { ChannelState } from "../../../shared/api.ts";
import { channelLabel } from "../../../shared/events.ts";

export type Props = { channels: ChannelState[] };

/** Says which channels are off or failing, so an agent knows why, say, no calls arrive or replies wait. */
export function ChannelBanner({ channels }: Props) {
  const off = channels.filter((channel) => !channel.enabled);
  const failing = channels.filter((channel) => channel.enabled && channel.failing);
  if (off.length === 0 && failing.length === 0) return null;
  return (
    <>
      {failing.length > 0 && (
        <div className="banner banner--failing" role="alert" data-testid="channel-failing-banner">
          <strong>Channels failing:</strong>
          <ul className="banner__list">
            {failing.map((channel) => (
              <li key={channel.channel}>
                {channelLabel[channel.channel]} — the provider refuses our credentials
                {channel.failing?.errorCode ? ` (error ${channel.failing.errorCode})` : ""}. Replies are kept and sent once it works again; ask an admin to check the settings.
              </li>
            ))}
          </ul>
        </div>
      )}
      {off.length > 0 && (
        <div className="banner" role="status" data-testid="channel-banner">
          <strong>Channels off:</strong>
          <ul className="banner__list">
            {off.map((channel) => (
              <li key={channel.channel}>
                {channelLabel[channel.channel]}
                {channel.reason ? ` — ${channel.reason}` : ""}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
