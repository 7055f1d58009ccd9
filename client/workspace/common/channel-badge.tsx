import type { Channel } from "../../../shared/domain.ts";
import { channelLabel } from "../../../shared/events.ts";

export type Props = { channel: Channel };

export function ChannelBadge({ channel }: Props) {
  return <span className={`badge badge--${channel}`}>{channelLabel[channel]}</span>;
}
