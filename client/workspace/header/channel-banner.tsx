import type { ChannelState } from "../../../shared/api.ts";
import { channelLabel } from "../../../shared/events.ts";

export type Props = {
  channels: ChannelState[];
  /** The server has no softphone settings: calls cannot ring in browsers, only on forward phones. */
  softphoneOff: boolean;
};

const SOFTPHONE_OFF =
  "Browser softphone — not configured: set TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID. Until then calls ring only agents with a forward phone.";

/** Says which channels are off or failing, so an agent knows why, say, no calls arrive or replies wait. */
export function ChannelBanner({ channels, softphoneOff }: Props) {
  const off = channels.filter((channel) => !channel.enabled);
  const failing = channels.filter((channel) => channel.enabled && channel.failing);
  const voiceOn = channels.some((channel) => channel.channel === "voice" && channel.enabled);
  const showSoftphone = softphoneOff && voiceOn;
  if (off.length === 0 && failing.length === 0 && !showSoftphone) return null;
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
      {(off.length > 0 || showSoftphone) && (
        <div className="banner" role="status" data-testid="channel-banner">
          <strong>Channels off:</strong>
          <ul className="banner__list">
            {off.map((channel) => (
              <li key={channel.channel}>
                {channelLabel[channel.channel]}
                {channel.reason ? ` — ${channel.reason}` : ""}
              </li>
            ))}
            {showSoftphone && <li data-testid="softphone-off">{SOFTPHONE_OFF}</li>}
          </ul>
        </div>
      )}
    </>
  );
}
