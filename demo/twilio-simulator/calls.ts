// Calls from a simulated phone, played as Twilio plays them: the signed inbound-call webhook, then the TwiML
// Switchboard answers, verb by verb (Say and Play shown as text, Enqueue with its wait URL, Gather for a key
// press, Record for a voicemail, Leave, Redirect, Hangup), a REST update of the call replacing what it runs,
// and the number's call status callback when it ends. <Dial><Conference> joins the call's conference
// (conference-legs.ts, where the agent's leg rings their simulated phone); other <Dial>s ring nobody.
import type { ConferenceLegs } from "./conference-legs.ts";
import { newSid } from "./fake-twilio.ts";
import { parseTwiml, type Verb } from "./twiml.ts";

export const VOICE_WEBHOOK_PATH = "/webhooks/twilio/voice";
export const VOICE_STATUS_PATH = "/webhooks/twilio/voice/status";

export interface CallLine {
  at: string;
  kind: "ringing" | "say" | "music" | "prompt" | "beep" | "event";
  text: string;
}

export interface PhoneCall {
  sid: string;
  customer: string;
  /** "connected": in the call's conference, waiting for or talking to the agent. */
  state: "ringing" | "in-progress" | "queued" | "recording" | "connected" | "completed";
  /** What the caller is asked for now: a key press (with the keys' action) or speaking after the beep. */
  awaiting: "digits" | "recording" | null;
  lines: CallLine[];
  startedAt: string;
  endedAt: string | null;
}

type Post = (url: string, params: Record<string, string>) => Promise<{ status: number; body: string }>;

export interface CallSimulatorDeps {
  post: Post;
  publicUrl: string;
  businessNumber: string;
  /** How long one pass of hold music lasts before Twilio asks the wait URL again. */
  holdMusicMs: number;
  legs: ConferenceLegs;
  onChange(): void;
  onWebhookFailure?: (what: string, detail: string) => void;
}

interface LiveCall extends PhoneCall {
  /** Bumped when the call's TwiML is replaced (a REST redirect) or it ends: older runs stop. */
  generation: number;
  wake: (() => void) | null;
  input: { digits?: string } | null;
  queuedAt: number | null;
  /** The caller hung up: the verb running now finishes as Twilio's would (a recording is posted), then the call ends. */
  hungUp: boolean;
  ended: Promise<void>;
  markEnded: () => void;
}

export function createCallSimulator(deps: CallSimulatorDeps) {
  const calls = new Map<string, LiveCall>();
  const line = (call: LiveCall, kind: CallLine["kind"], text: string) => {
    call.lines.push({ at: new Date().toISOString(), kind, text });
    deps.onChange();
  };
  /** Waits ms, or less when the caller acts or the call's TwiML changes; true if still the current run. */
  const pause = (call: LiveCall, gen: number, ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        call.wake = null;
        resolve(call.generation === gen);
      }
      call.wake = done;
    });
  const common = (call: LiveCall) => ({ CallSid: call.sid, From: call.customer, To: deps.businessNumber, Caller: call.customer, Called: deps.businessNumber, Direction: "inbound", CallStatus: call.state === "completed" ? "completed" : "in-progress" });

  async function fetchTwiml(call: LiveCall, url: string, params: Record<string, string>): Promise<Verb[] | null> {
    const res = await deps.post(url, { ...common(call), ...params }).catch((err: Error) => ({ status: 0, body: err.message }));
    if (res.status >= 200 && res.status < 300) return parseTwiml(res.body);
    deps.onWebhookFailure?.(`call ${call.sid} at ${url}`, `${res.status} ${res.body.slice(0, 200)}`);
    line(call, "event", `(the business's line failed: HTTP ${res.status})`);
    return null;
  }

  async function end(call: LiveCall) {
    if (call.state === "completed") return;
    call.generation += 1;
    call.state = "completed";
    call.awaiting = null;
    call.endedAt = new Date().toISOString();
    await deps.legs.callerLeaves(call.sid);
    line(call, "event", "Call ended");
    const seconds = Math.round((Date.parse(call.endedAt) - Date.parse(call.startedAt)) / 1000);
    const res = await deps.post(deps.publicUrl + VOICE_STATUS_PATH, { ...common(call), CallStatus: "completed", CallDuration: String(seconds) }).catch((err: Error) => ({ status: 0, body: err.message }));
    if (res.status < 200 || res.status >= 300) deps.onWebhookFailure?.(`status of call ${call.sid}`, `${res.status} ${res.body.slice(0, 200)}`);
    call.markEnded();
  }

  /** Runs verbs until they end the call, hand it to other TwiML, or are replaced; then Twilio hangs up. */
  async function run(call: LiveCall, gen: number, verbs: Verb[]): Promise<void> {
    const next = await runVerbs(call, gen, verbs, false);
    if (call.generation !== gen && !call.hungUp) return; // replaced: the new TwiML runs
    if (Array.isArray(next) && !call.hungUp) return run(call, gen, next);
    await end(call);
  }

  /** A verb list's outcome: other TwiML to run, "leave" (ends a queue wait), or done (null). */
  async function runVerbs(call: LiveCall, gen: number, verbs: Verb[], waiting: boolean): Promise<Verb[] | "leave" | null> {
    for (const verb of verbs) {
      if (call.generation !== gen || call.hungUp) return null;
      switch (verb.name) {
        case "Say":
          line(call, "say", verb.text);
          if (!(await pause(call, gen, 300))) return null;
          break;
        case "Play":
          line(call, "music", "♪ hold music");
          // loop="0" plays until something else happens to the call.
          if (!(await pause(call, gen, verb.attrs.loop === "0" ? 24 * 3600_000 : deps.holdMusicMs))) return null;
          break;
        case "Pause":
          if (!(await pause(call, gen, Math.min(10, Number(verb.attrs.length ?? 1)) * 1000))) return null;
          break;
        case "Gather": {
          for (const said of verb.children.filter((c) => c.name === "Say")) line(call, "prompt", said.text);
          call.awaiting = "digits";
          call.input = {};
          deps.onChange();
          await pause(call, gen, Number(verb.attrs.timeout ?? 5) * 1000);
          const digits = call.input?.digits;
          call.awaiting = null;
          call.input = null;
          if (call.generation !== gen || call.hungUp) return null;
          if (digits && verb.attrs.action) return fetchTwiml(call, verb.attrs.action, { Digits: digits });
          break;
        }
        case "Record": {
          line(call, "beep", "Beep: speak your voicemail, then stop or hang up");
          call.state = "recording";
          call.awaiting = "recording";
          call.input = {};
          const started = Date.now();
          await pause(call, gen, Number(verb.attrs.maxLength ?? 120) * 1000);
          const seconds = Math.max(1, Math.round((Date.now() - started) / 1000));
          call.awaiting = null;
          call.input = null;
          call.state = "in-progress";
          const recordingSid = newSid("RE");
          // Twilio posts the recording even when the caller hung up to end it.
          if (verb.attrs.action) {
            const after = await fetchTwiml(call, verb.attrs.action, { RecordingSid: recordingSid, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/recordings/${recordingSid}`, RecordingDuration: String(seconds) });
            line(call, "event", `Voicemail left (${seconds} s)`);
            if (call.generation !== gen || call.hungUp) return null;
            return after;
          }
          break;
        }
        case "Enqueue":
          return enqueue(call, gen, verb);
        case "Leave":
          if (waiting) return "leave";
          break;
        case "Redirect":
          return fetchTwiml(call, verb.text, {});
        case "Dial": {
          const room = verb.children.find((c) => c.name === "Conference");
          if (room) {
            call.state = "connected";
            line(call, "event", "Connecting you to an agent (hold music until they answer)");
            await deps.legs.callerJoins(call.sid, room.text, room.attrs);
            if (call.generation !== gen || call.hungUp) return null;
            call.state = "in-progress";
            line(call, "event", "The agent left the call");
            if (verb.attrs.action) return fetchTwiml(call, verb.attrs.action, { DialCallStatus: "completed" });
            break;
          }
          line(call, "event", "(nobody on the simulated network answers a dialled number)");
          if (verb.attrs.action) return fetchTwiml(call, verb.attrs.action, { DialCallStatus: "no-answer" });
          break;
        }
        case "Hangup":
        case "Reject":
          return null;
        default:
          line(call, "event", `(the simulator does not play <${verb.name}>)`);
      }
    }
    return null;
  }

  /** In Twilio's queue: the wait URL's TwiML over and over, until it says Leave or the call is taken away. */
  async function enqueue(call: LiveCall, gen: number, verb: Verb): Promise<Verb[] | null> {
    call.state = "queued";
    call.queuedAt = Date.now();
    const queueSid = "QU" + call.sid.slice(2);
    let result = "hangup";
    while (call.generation === gen && !call.hungUp) {
      const queueTime = String(Math.floor((Date.now() - call.queuedAt) / 1000));
      const params = { QueueSid: queueSid, QueueTime: queueTime, QueuePosition: "1", CurrentQueueSize: "1", AvgQueueTime: queueTime };
      const verbs = verb.attrs.waitUrl ? await fetchTwiml(call, verb.attrs.waitUrl, params) : [];
      if (verbs === null) break;
      const outcome = await runVerbs(call, gen, verbs.length ? verbs : [{ name: "Play", attrs: {}, text: "", children: [] }], true);
      if (outcome === "leave") {
        result = "leave";
        break;
      }
      if (Array.isArray(outcome)) return outcome;
    }
    if (call.generation !== gen && !call.hungUp) return null; // redirected: the new TwiML runs instead
    const queueTime = String(Math.floor((Date.now() - (call.queuedAt ?? Date.now())) / 1000));
    call.state = "in-progress";
    if (!verb.attrs.action) return null;
    if (result === "hangup") {
      // The caller hung up while waiting: Twilio still tells the action URL, and nothing more is played.
      await deps.post(verb.attrs.action, { ...common(call), QueueResult: "hangup", QueueTime: queueTime, QueueSid: queueSid }).catch(() => null);
      return null;
    }
    return fetchTwiml(call, verb.attrs.action, { QueueResult: result, QueueTime: queueTime, QueueSid: queueSid });
  }

  return {
    /** The customer at `from` calls the business: ringing, then the inbound-call webhook and its TwiML. */
    place(from: string): PhoneCall {
      const now = new Date().toISOString();
      let markEnded = () => {};
      const ended = new Promise<void>((resolve) => (markEnded = resolve));
      const call: LiveCall = { sid: newSid("CA"), customer: from, state: "ringing", awaiting: null, lines: [], startedAt: now, endedAt: null, generation: 0, wake: null, input: null, queuedAt: null, hungUp: false, ended, markEnded };
      calls.set(call.sid, call);
      line(call, "ringing", `Calling ${deps.businessNumber} …`);
      void fetchTwiml(call, deps.publicUrl + VOICE_WEBHOOK_PATH, { CallStatus: "ringing" }).then((verbs) => {
        if (call.generation !== 0 && !call.hungUp) return;
        call.state = "in-progress";
        return run(call, 0, verbs ?? []);
      });
      return call;
    },
    press(sid: string, digits: string): boolean {
      const call = calls.get(sid);
      if (!call || call.awaiting !== "digits" || !call.input) return false;
      call.input.digits = digits;
      line(call, "event", `Pressed ${digits}`);
      call.wake?.();
      return true;
    },
    stopRecording(sid: string): boolean {
      const call = calls.get(sid);
      if (!call || call.awaiting !== "recording") return false;
      call.wake?.();
      return true;
    },
    /** The caller hangs up; resolves once Twilio's last callbacks for the call are sent. */
    async hangUp(sid: string): Promise<boolean> {
      const call = calls.get(sid);
      if (!call || call.state === "completed") return false;
      call.hungUp = true;
      line(call, "event", "Hung up");
      call.wake?.();
      await deps.legs.callerLeaves(call.sid);
      await call.ended;
      return true;
    },
    /** Switchboard's REST update of a call: new TwiML (or a URL to fetch it from), or ending it. */
    updated(sid: string, form: Record<string, string>) {
      const call = calls.get(sid);
      if (!call || call.state === "completed") return;
      if (form.Status === "completed" || form.Status === "canceled") {
        call.generation += 1;
        call.wake?.();
        call.state = "in-progress";
        return void end(call);
      }
      if (!form.Twiml && !form.Url) return;
      call.generation += 1;
      const gen = call.generation;
      call.wake?.();
      call.awaiting = null;
      call.state = "in-progress";
      const verbs = form.Twiml ? Promise.resolve(parseTwiml(form.Twiml)) : fetchTwiml(call, form.Url!, {});
      void verbs.then((v) => (call.generation === gen || call.hungUp ? run(call, gen, v ?? []) : undefined));
    },
    callsOf: (customer: string): PhoneCall[] => [...calls.values()].filter((c) => c.customer === customer).map(({ generation: _g, wake: _w, input: _i, queuedAt: _q, hungUp: _h, ended: _e, markEnded: _m, ...view }) => view),
    /** A line on a call's screen, from elsewhere in the simulator. */
    tell(sid: string, text: string) {
      const call = calls.get(sid);
      if (call) line(call, "event", text);
    },
    customers: () => [...new Set([...calls.values()].map((c) => c.customer))],
    close() {
      for (const call of calls.values()) {
        call.generation += 1;
        call.wake?.();
      }
    },
  };
}

export type CallSimulator = ReturnType<typeof createCallSimulator>;
