import type { ChannelState } from "../../../shared/api.ts";
import { channelLabel } from "../../../shared/events.ts";

export type Props = { channels: ChannelState[] };

/** Says which channels are off, so an agent knows why, say, no calls arrive. */
export function ChannelBanner({ channels }: Props) {
  const off = channels.filter((channel) => !channel.enabled);
  if (off.length === 0) return null;
  return (
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
  );
}
