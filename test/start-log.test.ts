// The start log of `npm start` (and the demo): every channel with its state, and for each one on the exact
// URLs to paste into the provider's console; for voice, whether the browser softphone is configured.
import { describe, expect, it } from "vitest";
import { channelLines } from "../scripts/start-log.ts";
import { loadConfig } from "../server/config.ts";

const base = { DATABASE_URL: "postgres://x@127.0.0.1/x", SESSION_SECRET: "s".repeat(32), PUBLIC_URL: "https://support.example.com" };
const twilio = { TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32), TWILIO_AUTH_TOKEN: "token", TWILIO_PHONE_NUMBER: "+14155550100" };
const softphone = { TWILIO_API_KEY_SID: "SK" + "0".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "0".repeat(32) };
const linesFor = (env: Record<string, string>, emailOn = false) => {
  const config = loadConfig({ ...base, ...env });
  return channelLines(config, { channelState: (c) => (c === "email" && emailOn ? { enabled: true } : config.channels[c]) });
};

describe("the start log", () => {
  it("gives each channel that is on the console URLs under PUBLIC_URL, and says the softphone is configured", () => {
    expect(linesFor({ ...twilio, ...softphone }, true)).toEqual([
      "Channels:",
      "  sms    on — Twilio number +14155550100; in its Messaging configuration paste:",
      "         A message comes in: https://support.example.com/webhooks/twilio/sms (HTTP POST)",
      "  voice  on — Twilio number +14155550100; in its Voice configuration paste:",
      "         A call comes in: https://support.example.com/webhooks/twilio/voice (HTTP POST)",
      "         Call status changes: https://support.example.com/webhooks/twilio/voice/status (HTTP POST)",
      "         softphone: configured (browser calls through the TwiML App)",
      "  email  on — each active mailbox is read over IMAP and answered over SMTP (nothing to paste)",
      "  chat   on — widget script https://support.example.com/widget.js; each widget's embed line is under Team → Widgets",
    ]);
  });

  it("says why a channel is off, and that voice has no softphone until its keys are set", () => {
    const off = linesFor({});
    expect(off.filter((l) => / off — /.test(l)).map((l) => l.trim().split(/\s+/)[0])).toEqual(["sms", "voice", "email"]);
    expect(linesFor(twilio).find((l) => l.includes("softphone"))).toMatch(/softphone: not configured — .*TWILIO_API_KEY_SID/);
  });
});
