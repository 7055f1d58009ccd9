// The agent's browser softphone: one Twilio Device, registered with a short-lived access token that is
// renewed before it expires, and the one call it rings with. Plain TypeScript; use-softphone.ts binds it to React.
import type { Device } from "@twilio/voice-sdk";
import type { VoiceTokenResponse } from "../../shared/api.ts";
import { ApiError, api, errorMessage } from "./api.ts";

export type SoftphoneStatus = "off" | "registering" | "ready" | "ringing" | "in-call" | "error";

export interface SoftphoneState {
  status: SoftphoneStatus;
  /** Who is calling (Twilio's `From`, the caller's number) while ringing or in a call. */
  incomingFrom: string | null;
  muted: boolean;
  /** The caller is on hold, hearing music: in a conference this leg stays up; a call without one drops it and rings it again on resume. */
  held: boolean;
  /** The last problem worth showing (token, registration, microphone); null when all is well. */
  error: string | null;
  /** When the current call was answered (epoch ms), for the call timer. */
  answeredAt: number | null;
  /** The last call that ended, and whether it had been answered: after an answered call comes wrap-up. */
  endedCall: { endedAt: number; answered: boolean } | null;
}

/** The part of @twilio/voice-sdk's `Call` used here: what a test stub has to implement. */
export interface SoftphoneCall {
  /** Twilio's call parameters; `From` is the caller. */
  readonly parameters?: Record<string, string>;
  accept(): void;
  reject(): void;
  disconnect(): void;
  mute(shouldMute?: boolean): void;
  isMuted(): boolean;
  on(event: "accept" | "disconnect" | "cancel" | "reject", listener: () => void): unknown;
  on(event: "mute", listener: (muted: boolean) => void): unknown;
  on(event: "error", listener: (error: { message: string; code?: number }) => void): unknown;
}

/** The part of @twilio/voice-sdk's `Device` used here: what a test stub has to implement. */
export interface SoftphoneDevice {
  register(): Promise<void>;
  updateToken(token: string): void;
  destroy(): void;
  on(event: "registering" | "registered" | "unregistered" | "tokenWillExpire", listener: () => void): unknown;
  on(event: "incoming", listener: (call: SoftphoneCall) => void): unknown;
  on(event: "error", listener: (error: { message: string; code?: number }) => void): unknown;
}

/**
 * What a call control does to this browser's leg: hold may drop it (a call without a conference; the call
 * goes on, held), resume then rings it again (accepted at once: the agent asked for it); in a conference the
 * leg stays up through both. Release hands the call elsewhere (transfer, requeue).
 */
export type CallRedirect = "hold" | "resume" | "release";

export type SoftphoneDeviceFactory = (token: string, options: Device.Options) => SoftphoneDevice;

const DEVICE_OPTIONS: Device.Options = {
  appName: "switchboard",
  // Leaving the page would drop the caller: the browser asks first, only while a call is up.
  closeProtection: "A call is in progress. Leaving this page hangs up on the caller.",
};
const REFRESH_MARGIN_MS = 60_000;
/** The SDK retries registering by itself, silently: past this, the agent is told calls cannot ring yet. */
const REGISTER_PATIENCE_MS = 20_000;
const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 60_000;
/** Twilio's codes for an access token that is invalid or has expired: a fresh token fixes them. */
const TOKEN_ERRORS = new Set([20101, 20104, 31204, 31205]);

export const initialSoftphoneState: SoftphoneState = {
  status: "registering",
  incomingFrom: null,
  muted: false,
  held: false,
  error: null,
  answeredAt: null,
  endedCall: null,
};

async function createDevice(token: string): Promise<SoftphoneDevice> {
  const factory = window.__switchboardDeviceFactory;
  if (typeof factory === "function") return factory(token, DEVICE_OPTIONS);
  // Loaded only once a token says the softphone is on: agents without one never download the SDK.
  const { Device: TwilioDevice } = await import("@twilio/voice-sdk");
  return new TwilioDevice(token, DEVICE_OPTIONS);
}

/** How long a token lives. The JWT's own iat/exp do not depend on the agent's clock being right. */
function tokenLifetimeMs(token: VoiceTokenResponse): number {
  try {
    const payload = token.token.split(".")[1] ?? "";
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    if (claims && typeof claims === "object" && "iat" in claims && "exp" in claims) {
      const { iat, exp } = claims;
      if (typeof iat === "number" && typeof exp === "number" && exp > iat) return (exp - iat) * 1000;
    }
  } catch {
    // Not a JWT we can read (a test stub's token): expiresAt it is.
  }
  return Date.parse(token.expiresAt) - Date.now();
}

export class Softphone {
  #state: SoftphoneState = initialSoftphoneState;
  readonly #listeners = new Set<() => void>();
  #device: SoftphoneDevice | null = null;
  #call: SoftphoneCall | null = null;
  /** The call control under way: Twilio may drop or ring this leg before the server's answer arrives. */
  #expecting: CallRedirect | null = null;
  #registered = false;
  #stopped = false;
  #retryMs = RETRY_MIN_MS;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #patienceTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<void> | null = null;

  getState = (): SoftphoneState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  start(): void {
    void this.#connect();
  }

  stop(): void {
    if (this.#registered) this.#tellServer(false);
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#patienceTimer);
    this.#call = null;
    this.#expecting = null;
    this.#device?.destroy();
    this.#device = null;
  }

  answer(): void {
    if (this.#call && this.#state.status === "ringing") this.#try(() => this.#call?.accept());
  }

  reject(): void {
    const call = this.#call;
    if (!call || this.#state.status !== "ringing") return;
    this.#try(() => call.reject());
    this.#end(call);
  }

  hangUp(): void {
    const call = this.#call;
    // On hold there is no leg here: the caller's (hung up by the server) was the call.
    if (!call) return void (this.#state.held && this.#finish());
    this.#try(() => (this.#state.status === "ringing" ? call.reject() : call.disconnect()));
    this.#end(call);
  }

  toggleMute(): void {
    const call = this.#call;
    if (!call || this.#state.status !== "in-call") return;
    this.#try(() => call.mute(!call.isMuted()));
    this.#set({ muted: call.isMuted() });
  }

  /**
   * Runs a call control request (hold, resume, transfer, requeue), telling this softphone first what
   * Twilio is about to do to its leg, since the leg may drop or ring before the server answers.
   */
  async redirect<T>(kind: CallRedirect, request: () => Promise<T>): Promise<T> {
    this.#expecting = kind;
    try {
      const result = await request();
      this.#redirected(kind);
      return result;
    } catch (failure) {
      if (this.#expecting === kind) this.#expecting = null;
      throw failure;
    }
  }

  #redirected(kind: CallRedirect): void {
    if (this.#stopped) return;
    if (kind === "hold") {
      // The leg may not have dropped yet: when it does, the call stays up, held.
      this.#set({ held: true, muted: false });
    } else if (kind === "resume") {
      // Still a leg here: it never dropped, so nothing will ring. Otherwise #ring takes the new leg.
      if (this.#call) {
        this.#expecting = null;
        this.#set({ held: false });
      }
    } else {
      // Transferred or requeued: the redirect disconnects this leg, and no wrap-up is ours to do.
      this.#expecting = null;
      this.#call = null;
      this.#set({ status: this.#idleStatus(), incomingFrom: null, muted: false, held: false, answeredAt: null, endedCall: null });
    }
  }

  /**
   * Tells the server again whether calls can ring here: after a reconnect, since the server forgets a
   * softphone once the agent's last socket is gone.
   */
  reportReadiness(): void {
    if (!this.#stopped && this.#device) this.#tellServer(this.#registered);
  }

  #setRegistered(registered: boolean): void {
    const changed = registered !== this.#registered;
    this.#registered = registered;
    if (changed) this.#tellServer(registered);
  }

  #tellServer(registered: boolean): void {
    // Best effort: the next change or reconnect reports again; until then the server's view is stale.
    api.reportSoftphone({ registered }).catch((failure) => console.warn("could not report the softphone's state", failure));
  }

  #set(change: Partial<SoftphoneState>): void {
    if (this.#stopped) return;
    this.#state = { ...this.#state, ...change };
    this.#listeners.forEach((listener) => listener());
  }

  #try(action: () => void): void {
    try {
      action();
    } catch (failure) {
      this.#set({ error: errorMessage(failure) });
    }
  }

  /** The status when no call is up. */
  #idleStatus(): SoftphoneStatus {
    return this.#registered ? "ready" : this.#device ? "registering" : "error";
  }

  async #connect(): Promise<void> {
    this.#set({ status: "registering" });
    let token: VoiceTokenResponse;
    try {
      token = await api.voiceToken();
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "CHANNEL_DISABLED") return this.#set({ status: "off", error: null });
      return this.#failed(`No softphone: ${errorMessage(failure)}`);
    }
    if (this.#stopped) return;
    let device: SoftphoneDevice | null = null;
    try {
      device = await createDevice(token.token);
      if (this.#stopped) return device.destroy();
      this.#device = device;
      this.#listen(device);
      this.#scheduleRefresh(token);
      clearTimeout(this.#patienceTimer);
      this.#patienceTimer = setTimeout(() => {
        if (this.#device === device && !this.#registered && !this.#call) {
          this.#set({ status: "error", error: "The softphone cannot reach Twilio. It keeps trying." });
        }
      }, REGISTER_PATIENCE_MS);
      await device.register();
      if (this.#device !== device) return;
      this.#setRegistered(true);
      this.#retryMs = RETRY_MIN_MS;
      if (!this.#call) this.#set({ status: "ready", error: null });
    } catch (failure) {
      if (this.#stopped || (device && this.#device !== device)) return;
      device?.destroy();
      this.#device = null;
      this.#failed(`The softphone could not register: ${errorMessage(failure)}`);
    }
  }

  /** Starts over with a fresh token and Device after a back-off. */
  #failed(error: string): void {
    if (this.#stopped) return;
    this.#setRegistered(false);
    this.#set({ status: this.#call ? this.#state.status : "error", error });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#connect(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  #listen(device: SoftphoneDevice): void {
    const current = () => this.#device === device && !this.#stopped;
    device.on("registering", () => {
      // After a failure the SDK keeps retrying: stay on "error" until it is registered again, not flicker.
      if (current() && !this.#call && this.#state.status !== "error") this.#set({ status: "registering" });
    });
    device.on("registered", () => {
      if (!current()) return;
      this.#setRegistered(true);
      if (!this.#call) this.#set({ status: "ready", error: null });
    });
    device.on("unregistered", () => {
      if (!current()) return;
      this.#setRegistered(false);
      // The SDK registers again by itself once its connection to Twilio is back.
      if (!this.#call) this.#set({ status: "error", error: "The softphone lost its connection to Twilio. Reconnecting…" });
    });
    device.on("error", (error) => {
      if (!current()) return;
      this.#set({ error: `Softphone: ${error.message}` });
      if (error.code !== undefined && TOKEN_ERRORS.has(error.code)) void this.#refreshToken();
    });
    device.on("tokenWillExpire", () => {
      if (current()) void this.#refreshToken();
    });
    device.on("incoming", (call) => {
      if (current()) this.#ring(call);
    });
  }

  #ring(call: SoftphoneCall): void {
    // One call at a time (an agent's voice capacity is 1); the SDK does the same unless told otherwise.
    if (this.#call) return call.reject();
    this.#call = call;
    this.#follow(call);
    if (this.#state.held && this.#expecting === "resume") {
      // The held caller coming back: the agent clicked Resume, so it is answered now; the timer runs on.
      this.#expecting = null;
      this.#set({ held: false, muted: false });
      return this.#try(() => call.accept());
    }
    this.#set({ status: "ringing", incomingFrom: call.parameters?.From ?? null, muted: false, held: false, answeredAt: null, endedCall: null, error: null });
  }

  #follow(call: SoftphoneCall): void {
    const ifCurrent = (handler: () => void) => () => {
      if (this.#call === call) handler();
    };
    call.on("accept", ifCurrent(() => this.#set({ status: "in-call", answeredAt: this.#state.answeredAt ?? Date.now(), muted: call.isMuted() })));
    call.on("mute", (muted) => ifCurrent(() => this.#set({ muted }))());
    call.on("error", (error) => ifCurrent(() => this.#set({ error: `Call: ${error.message}` }))());
    for (const ended of ["disconnect", "cancel", "reject"] as const) call.on(ended, () => this.#dropped(call));
  }

  /** Twilio or the caller ended this leg. Putting the caller on hold does that too, and the call goes on. */
  #dropped(call: SoftphoneCall): void {
    if (this.#call !== call) return;
    if (this.#state.status === "in-call" && (this.#expecting === "hold" || this.#state.held)) {
      this.#call = null;
      return this.#set({ held: true, muted: false });
    }
    this.#end(call);
  }

  /** The call is over, whoever ended it; only the first of the events that say so counts. */
  #end(call: SoftphoneCall): void {
    if (this.#call === call) this.#finish();
  }

  #finish(): void {
    this.#call = null;
    this.#expecting = null;
    const answered = this.#state.answeredAt !== null;
    this.#set({ status: this.#idleStatus(), incomingFrom: null, muted: false, held: false, answeredAt: null, endedCall: { endedAt: Date.now(), answered } });
  }

  #scheduleRefresh(token: VoiceTokenResponse): void {
    const lifetime = tokenLifetimeMs(token);
    const delay = lifetime > 2 * REFRESH_MARGIN_MS ? lifetime - REFRESH_MARGIN_MS : lifetime / 2;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refreshToken(), Math.max(1_000, delay));
  }

  /** A new token for the same Device; calls in progress carry on. */
  #refreshToken(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const token = await api.voiceToken();
        if (this.#stopped || !this.#device) return;
        this.#device.updateToken(token.token);
        this.#scheduleRefresh(token);
        if (this.#state.error?.startsWith("The softphone's access")) this.#set({ error: null });
      } catch (failure) {
        if (this.#stopped) return;
        this.#set({ error: `The softphone's access could not be renewed: ${errorMessage(failure)}` });
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.#refreshToken(), RETRY_MIN_MS * 3);
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }
}
