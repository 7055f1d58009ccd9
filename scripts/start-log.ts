// What `npm start` and `npm run demo` print once running: every channel, on or off (and why), and for each
// one that is on the exact URLs to paste into the provider's console; for voice, whether the softphone is set.
import { softphoneOffReason, type Config } from "../server/config.ts";
import type { Switchboard } from "../server/switchboard.ts";
import { Channel } from "../shared/domain.ts";
import { SMS_WEBHOOK_PATH } from "../channels/sms/sms-adapter.ts";
import { VOICE_PATHS } from "../channels/voice/voice-adapter.ts";

const pad = (channel: string) => `  ${channel.padEnd(6)}`;
const more = (line: string) => `${" ".repeat(9)}${line}`;

function onLines(channel: Channel, config: Config): string[] {
  const url = (path: string) => `${config.publicUrl}${path}`;
  switch (channel) {
    case "sms":
      return [
        `${pad("sms")} on — Twilio number ${config.sms?.phoneNumber}; in its Messaging configuration paste:`,
        more(`A message comes in: ${url(SMS_WEBHOOK_PATH)} (HTTP POST)`),
      ];
    case "voice": {
      const softphoneOff = softphoneOffReason(config);
      return [
        `${pad("voice")} on — Twilio number ${config.voice?.phoneNumber}; in its Voice configuration paste:`,
        more(`A call comes in: ${url(VOICE_PATHS.inbound)} (HTTP POST)`),
        more(`Call status changes: ${url(VOICE_PATHS.status)} (HTTP POST)`),
        more(softphoneOff ? `softphone: not configured — ${softphoneOff}` : "softphone: configured (browser calls through the TwiML App)"),
      ];
    }
    case "email":
      return [`${pad("email")} on — each active mailbox is read over IMAP and answered over SMTP (nothing to paste)`];
    case "chat":
      return [`${pad("chat")} on — widget script ${url("/widget.js")}; each widget's embed line is under Team → Widgets`];
  }
}

export function channelLines(config: Config, app: Pick<Switchboard, "channelState">): string[] {
  const lines = ["Channels:"];
  for (const channel of Channel.options) {
    const state = app.channelState(channel);
    if (state.enabled) lines.push(...onLines(channel, config));
    else lines.push(`${pad(channel)} off — ${state.reason}`);
  }
  return lines;
}
