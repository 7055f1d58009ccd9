// The Twilio Device stubbed in a page (Twilio's media servers cannot be reached here): it registers at
// once, and window.__ring(from) rings it; accept, mute and disconnect are recorded on window.
import type { Page } from "playwright-core";

export async function stubTwilioDevice(page: Page): Promise<void> {
  await page.addInitScript(() => {
    type Handler = (...args: unknown[]) => void;
    const emitter = () => {
      const handlers = new Map<string, Handler[]>();
      return {
        on(event: string, fn: Handler) {
          handlers.set(event, [...(handlers.get(event) ?? []), fn]);
          return this;
        },
        emit(event: string, ...args: unknown[]) {
          for (const fn of handlers.get(event) ?? []) fn(...args);
        },
      };
    };
    const w = window as unknown as Record<string, unknown>;
    w.__switchboardDeviceFactory = () => {
      const device = {
        ...emitter(),
        async register() {
          setTimeout(() => device.emit("registered"), 0);
        },
        updateToken() {},
        destroy() {},
      };
      w.__stubDevice = device;
      w.__ring = (from: string) => {
        let muted = false;
        const call = {
          ...emitter(),
          parameters: { From: from },
          accept() {
            setTimeout(() => call.emit("accept", call), 0);
          },
          reject() {},
          disconnect() {
            w.__hungUp = true;
          },
          mute(m: boolean) {
            muted = m;
            w.__muted = m;
            call.emit("mute", m);
          },
          isMuted: () => muted,
        };
        device.emit("incoming", call);
      };
      return device;
    };
  });
}
