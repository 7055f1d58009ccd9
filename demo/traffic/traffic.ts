// `npm run demo -- --traffic 30/min`: customers arriving at random (Poisson) on every channel, through the
// same simulators an evaluator uses: new and returning customers, tiers (set as a CRM sync would, through the
// product's own function), callers who hang up on hold, texters who send STOP. So the board and reports fill.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { CHAT_NAMESPACE, type ChatServerToVisitor, type ChatVisitorToServer } from "../../shared/chat.ts";
import type { DemoMail } from "../mail/demo-mail.ts";
import type { TwilioSimulator } from "../twilio-simulator/simulator.ts";
import { MAILS, newCustomer, TEXTS, type Tier, type TrafficCustomer } from "./people.ts";

export type TrafficChannel = "sms" | "voice" | "email" | "chat";

export interface TrafficMix {
  channels: Record<TrafficChannel, number>;
  returning: number;
  tiers: { gold: number; platinum: number };
  /** Of callers not answered, those who hang up while on hold. */
  hangUp: number;
  /** Of SMS customers, those who then text STOP. */
  stop: number;
}

export const DEFAULT_MIX: TrafficMix = { channels: { sms: 0.35, voice: 0.25, email: 0.25, chat: 0.15 }, returning: 0.35, tiers: { gold: 0.2, platinum: 0.08 }, hangUp: 0.3, stop: 0.06 };

export interface TrafficStats {
  arrivals: number;
  newCustomers: number;
  returning: number;
  byChannel: Record<TrafficChannel, number>;
  tiers: Record<Tier, number>;
  hungUp: number;
  optedOut: number;
}

export interface TrafficDeps {
  sim: TwilioSimulator;
  mail: DemoMail;
  chat: { switchboardUrl: string; widgetKey: string; origin: string };
  /** Gives the customer with this address their tier, once their first contact is stored. */
  setTier(identity: { kind: "phone" | "email"; value: string }, tier: Tier): Promise<void>;
  random?: () => number;
  /** Multiplies every wait (hold before hanging up, time to STOP, a chat's length): small in tests. */
  timeScale?: number;
  onError?: (what: string, err: Error) => void;
}

export function createTraffic(deps: TrafficDeps, mix: TrafficMix = DEFAULT_MIX) {
  const random = deps.random ?? Math.random;
  const scale = deps.timeScale ?? 1;
  const people: TrafficCustomer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const chats = new Set<Socket>();
  const pending = new Set<Promise<unknown>>();
  const stats: TrafficStats = { arrivals: 0, newCustomers: 0, returning: 0, byChannel: { sms: 0, voice: 0, email: 0, chat: 0 }, tiers: { standard: 0, gold: 0, platinum: 0 }, hungUp: 0, optedOut: 0 };
  let stopped = false;

  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const later = (ms: number, fn: () => Promise<unknown>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) track(fn());
    }, ms * scale);
    timers.add(timer);
  };
  const track = (p: Promise<unknown>) => {
    const run = p.catch((err: Error) => deps.onError?.("traffic", err)).finally(() => pending.delete(run));
    pending.add(run);
  };
  function channel(): TrafficChannel {
    let draw = random();
    for (const [c, share] of Object.entries(mix.channels) as [TrafficChannel, number][]) {
      if ((draw -= share) < 0) return c;
    }
    return "sms";
  }
  function customer(): { who: TrafficCustomer; isNew: boolean } {
    const candidates = people.filter((p) => !p.optedOut);
    if (candidates.length > 0 && random() < mix.returning) return { who: pick(candidates), isNew: false };
    const who = newCustomer(people.length, random, mix.tiers);
    people.push(who);
    stats.tiers[who.tier] += 1;
    return { who, isNew: true };
  }
  const tierOnce = (who: TrafficCustomer, isNew: boolean, identity: { kind: "phone" | "email"; value: string }) =>
    isNew && who.tier !== "standard" ? deps.setTier(identity, who.tier) : Promise.resolve();

  async function sms(who: TrafficCustomer, isNew: boolean) {
    await deps.sim.textBusiness(who.phone, pick(TEXTS));
    await tierOnce(who, isNew, { kind: "phone", value: who.phone });
    if (random() < mix.stop) {
      who.optedOut = true;
      stats.optedOut += 1;
      later(2000 + random() * 8000, () => deps.sim.textBusiness(who.phone, "STOP"));
    }
  }

  async function call(who: TrafficCustomer, isNew: boolean) {
    const placed = deps.sim.calls.place(who.phone);
    const hangsUpOnHold = random() < mix.hangUp;
    if (hangsUpOnHold) stats.hungUp += 1;
    const holdFor = 3000 + random() * 17000;
    const talkFor = 20000 + random() * 40000;
    const started = Date.now();
    let answeredAt: number | null = null;
    // The caller reacts to what the call asks, as a person would: a key press, a short voicemail, hanging up.
    const tick = async (): Promise<void> => {
      const call = deps.sim.calls.callsOf(who.phone).find((c) => c.sid === placed.sid);
      if (!call || call.state === "completed" || stopped) return;
      const waited = Date.now() - started;
      if (call.state === "connected" && call.lines.some((l) => l.text.startsWith("An agent answered"))) answeredAt ??= Date.now();
      if (answeredAt !== null && Date.now() - answeredAt > talkFor * scale) return void (await deps.sim.calls.hangUp(placed.sid));
      if (answeredAt === null && hangsUpOnHold && call.state === "queued" && waited > holdFor * scale) return void (await deps.sim.calls.hangUp(placed.sid));
      if (call.awaiting === "digits") deps.sim.calls.press(placed.sid, random() < 0.5 ? "1" : "2");
      if (call.awaiting === "recording" && random() < 0.5) deps.sim.calls.stopRecording(placed.sid);
      // A call nobody ends in ten minutes is hung up: the traffic never leaves a line open for ever.
      if (waited > 600_000) return void (await deps.sim.calls.hangUp(placed.sid));
      later(1000, tick);
    };
    later(1000, tick);
    await tierOnce(who, isNew, { kind: "phone", value: who.phone });
  }

  async function email(who: TrafficCustomer, isNew: boolean) {
    const m = pick(MAILS);
    await deps.mail.send({ from: who.email, subject: m.subject, text: m.text });
    if (isNew && who.tier !== "standard") later(3000, () => deps.setTier({ kind: "email", value: who.email }, who.tier));
  }

  async function chat() {
    const socket: Socket<ChatServerToVisitor, ChatVisitorToServer> = io(deps.chat.switchboardUrl + CHAT_NAMESPACE, {
      auth: { widgetKey: deps.chat.widgetKey },
      extraHeaders: { origin: deps.chat.origin },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    chats.add(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("chat:session", () => resolve());
      socket.once("connect_error", reject);
    });
    socket.emit("chat:send", { clientId: randomUUID(), body: pick(TEXTS) }, () => {});
    // A visitor stays a while, then closes the tab.
    later(60_000 + random() * 120_000, async () => {
      socket.disconnect();
      chats.delete(socket);
    });
  }

  return {
    /** One customer arrives now. */
    arrive(): Promise<void> {
      const c = channel();
      // An anonymous chat visitor is new each time; the others are people the traffic remembers.
      const { who, isNew } = c === "chat" ? { who: null, isNew: true } : customer();
      stats.arrivals += 1;
      stats.byChannel[c] += 1;
      if (isNew) stats.newCustomers += 1;
      else stats.returning += 1;
      const run = c === "chat" ? chat() : c === "sms" ? (who!.optedOut ? call(who!, isNew) : sms(who!, isNew)) : c === "voice" ? call(who!, isNew) : email(who!, isNew);
      track(run);
      return run.catch(() => {});
    },
    /** Arrivals at random, `perMinute` on average, until stop(). */
    start(perMinute: number) {
      const next = () => later(-Math.log(1 - random()) * (60_000 / perMinute) / scale, async () => {
        next();
        await this.arrive();
      });
      next();
    },
    stats: () => structuredClone(stats),
    /** Resolves when everything already started has finished (tests). */
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of chats) s.disconnect();
      chats.clear();
      await Promise.allSettled([...pending]);
    },
  };
}

export type Traffic = ReturnType<typeof createTraffic>;
