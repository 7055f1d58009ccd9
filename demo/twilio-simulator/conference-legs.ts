// Answered calls in the simulator, as Twilio runs Switchboard's "agent conference": the caller's leg joins
// by TwiML (<Dial><Conference>), the agent's leg is placed by the Participants API and rings the agent's
// simulated phone (their forward phone); answering, declining and hanging up send Twilio's signed leg
// status and conference callbacks (participant-join/leave, conference-start/end).
import type { FakeConferences } from "./fake-twilio-conferences.ts";

type Post = (url: string, params: Record<string, string>) => Promise<{ status: number; body: string }>;

export interface AgentLegView {
  callSid: string;
  /** The phone that rings: the agent's forward phone. */
  phone: string;
  state: "ringing" | "connected" | "completed";
  outcome: "answered" | "declined" | "no-answer" | "hung-up" | "ended" | null;
  since: string;
}

interface Room {
  name: string;
  sid: string;
  statusCallback: string | null;
  started: boolean;
  /** The caller's wait in the conference: released when it ends. */
  release: (() => void) | null;
}

interface AgentLeg extends AgentLegView {
  conference: string;
  statusCallback: string | null;
  timer: NodeJS.Timeout | null;
}

export function createConferenceLegs(deps: {
  post: Post;
  conferences: FakeConferences;
  /** A line on the caller's phone (e.g. "An agent joined"). */
  tellCaller: (callSid: string, text: string) => void;
  onChange(): void;
}) {
  const rooms = new Map<string, Room>();
  const legs = new Map<string, AgentLeg>();
  const callerRoom = new Map<string, string>();
  let sequence = 0;

  const flags = (p: Record<string, unknown> | undefined) => ({
    Muted: String(p?.muted ?? false),
    Hold: String(p?.hold ?? false),
    Coaching: String(p?.coaching ?? false),
    EndConferenceOnExit: String(p?.end_conference_on_exit ?? false),
    StartConferenceOnEnter: String(p?.start_conference_on_enter ?? true),
  });
  async function event(room: Room, name: string, extra: Record<string, string> = {}) {
    if (!room.statusCallback) return;
    await deps
      .post(room.statusCallback, { ConferenceSid: room.sid, FriendlyName: room.name, StatusCallbackEvent: name, SequenceNumber: String(++sequence), Timestamp: new Date().toUTCString(), ...extra })
      .catch(() => null); // a refused callback is logged by the poster; the call goes on, as at Twilio
  }
  async function legStatus(leg: AgentLeg, status: string) {
    if (leg.statusCallback) await deps.post(leg.statusCallback, { CallSid: leg.callSid, CallStatus: status, To: leg.phone, Direction: "outbound-api" }).catch(() => null);
  }
  const participant = (name: string, callSid: string) => deps.conferences.byName(name)?.participants.get(callSid);

  /** The conference is over: what is still ringing or connected ends, and the caller's <Dial> returns. */
  async function ended(room: Room) {
    await event(room, "conference-end");
    for (const leg of legs.values()) {
      if (leg.conference !== room.name || leg.state === "completed") continue;
      if (leg.timer) clearTimeout(leg.timer);
      const wasConnected = leg.state === "connected";
      Object.assign(leg, { state: "completed", outcome: wasConnected ? "ended" : "no-answer" });
      await legStatus(leg, wasConnected ? "completed" : "canceled");
    }
    rooms.delete(room.name);
    deps.onChange();
    room.release?.();
  }

  return {
    /** The caller's leg runs <Dial><Conference>: joins, and waits until the conference ends or they leave. */
    async callerJoins(callSid: string, name: string, attrs: Record<string, string>): Promise<void> {
      const c = deps.conferences.joinByTwiml(name, callSid, { startConferenceOnEnter: attrs.startConferenceOnEnter !== "false", endConferenceOnExit: attrs.endConferenceOnExit === "true" });
      const room: Room = rooms.get(name) ?? { name, sid: c.sid, statusCallback: null, started: false, release: null };
      room.statusCallback ??= attrs.statusCallback ?? null;
      rooms.set(name, room);
      callerRoom.set(callSid, name);
      const waiting = new Promise<void>((resolve) => (room.release = resolve));
      await event(room, "participant-join", { CallSid: callSid, ...flags(participant(name, callSid)) });
      await waiting;
      callerRoom.delete(callSid);
    },
    /** The caller hung up (or Switchboard ended their call) while in the conference. */
    async callerLeaves(callSid: string): Promise<void> {
      const name = callerRoom.get(callSid);
      const room = name ? rooms.get(name) : undefined;
      if (!room) return;
      const c = deps.conferences.byName(room.name);
      deps.conferences.leave(callSid);
      await event(room, "participant-leave", { CallSid: callSid });
      if (!c || c.status === "completed") await ended(room);
      else room.release?.();
    },
    /** Switchboard placed a participant (the agent's leg): it rings their phone until answered or timed out. */
    placed(p: Record<string, unknown>, form: Record<string, string>) {
      const name = deps.conferences.all().find((c) => c.sid === p.conference_sid)?.friendlyName ?? "";
      // Placed by name before the caller's leg got there: Twilio started the conference for it.
      const room = rooms.get(name) ?? { name, sid: String(p.conference_sid), statusCallback: null, started: false, release: null };
      rooms.set(name, room);
      room.statusCallback ??= form.ConferenceStatusCallback ?? null;
      const leg: AgentLeg = { callSid: String(p.call_sid), phone: form.To ?? "", state: "ringing", outcome: null, since: new Date().toISOString(), conference: name, statusCallback: form.StatusCallback ?? null, timer: null };
      legs.set(leg.callSid, leg);
      leg.timer = setTimeout(() => void this.decline(leg.callSid, "no-answer"), Number(form.Timeout ?? 20) * 1000);
      deps.onChange();
      void legStatus(leg, "ringing");
    },
    async answer(callSid: string): Promise<boolean> {
      const leg = legs.get(callSid);
      const room = leg ? rooms.get(leg.conference) : undefined;
      if (!leg || leg.state !== "ringing" || !room) return false;
      if (leg.timer) clearTimeout(leg.timer);
      Object.assign(leg, { state: "connected", outcome: "answered", since: new Date().toISOString() });
      const c = deps.conferences.answer(callSid);
      deps.onChange();
      await legStatus(leg, "in-progress");
      await event(room, "participant-join", { CallSid: callSid, ...flags(participant(room.name, callSid)) });
      if (c.status === "in-progress" && !room.started) {
        room.started = true;
        await event(room, "conference-start");
      }
      for (const caller of callerRoom.keys()) if (callerRoom.get(caller) === room.name) deps.tellCaller(caller, "An agent answered: you are connected");
      return true;
    },
    async decline(callSid: string, outcome: "declined" | "no-answer" = "declined"): Promise<boolean> {
      const leg = legs.get(callSid);
      if (!leg || leg.state !== "ringing") return false;
      if (leg.timer) clearTimeout(leg.timer);
      Object.assign(leg, { state: "completed", outcome });
      deps.conferences.drop(callSid);
      deps.onChange();
      await legStatus(leg, outcome === "declined" ? "busy" : "no-answer");
      return true;
    },
    /** The agent hangs up their phone: they leave, which ends the conference when their leg ends it on exit. */
    async hangUp(callSid: string): Promise<boolean> {
      const leg = legs.get(callSid);
      const room = leg ? rooms.get(leg.conference) : undefined;
      if (!leg || leg.state !== "connected" || !room) return false;
      const c = deps.conferences.byName(room.name);
      deps.conferences.leave(callSid);
      Object.assign(leg, { state: "completed", outcome: "hung-up" });
      deps.onChange();
      await event(room, "participant-leave", { CallSid: callSid });
      await legStatus(leg, "completed");
      if (!c || c.status === "completed") await ended(room);
      return true;
    },
    legsOf: (phone: string): AgentLegView[] =>
      [...legs.values()].filter((l) => l.phone === phone).map(({ callSid, phone: p, state, outcome, since }) => ({ callSid, phone: p, state, outcome, since })),
    close() {
      for (const leg of legs.values()) if (leg.timer) clearTimeout(leg.timer);
      for (const room of rooms.values()) room.release?.();
    },
  };
}

export type ConferenceLegs = ReturnType<typeof createConferenceLegs>;
