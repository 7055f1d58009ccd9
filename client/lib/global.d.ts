// The browser tests' seam for the softphone: Twilio's media servers cannot be reached from a test, so a
// test installs a stub Device (page.addInitScript) and drives its calls itself.
import type { SoftphoneDeviceFactory } from "./softphone.ts";

declare global {
  interface Window {
    /** When a function, the softphone calls it instead of `new Device(token, options)` from @twilio/voice-sdk. */
    __switchboardDeviceFactory?: SoftphoneDeviceFactory;
  }
}

export {};
