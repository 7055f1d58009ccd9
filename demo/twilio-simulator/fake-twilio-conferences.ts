// The fake Twilio API's Conferences and Participants resources (2010-04-01), answering as Twilio does:
// list (FriendlyName, Status filters), fetch and end a conference; add (by SID, or by name, which starts
// a conference when none runs), list, fetch, update (Muted, Hold, Coaching, CallSidToCoach,
// EndConferenceOnExit) and remove participants. A coach's CallSidToCoach must be connected (16028) and
// not on hold (16027); a conference holds at most MaxParticipants (default 250).
import { randomBytes } from "node:crypto";

const API = "/2010-04-01";
const CONFERENCES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Conferences\.json$/;
const CONFERENCE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Conferences\/([^/]+)\.json$/;
const PARTICIPANTS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Conferences\/([^/]+)\/Participants\.json$/;
const PARTICIPANT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/;

export type Answer = { status: number; body: Record<string, unknown> };
type Json = Record<string, unknown>;

export interface FakeConference {
  sid: string;
  friendlyName: string;
  status: "init" | "in-progress" | "completed";
  maxParticipants: number;
  participants: Map<string, Json>;
  created: Date;
}

const twilioDate = (d: Date) => d.toUTCString().replace("GMT", "+0000");
const sid = (prefix: string) => prefix + randomBytes(16).toString("hex");
const error = (status: number, code: number, message: string): Answer => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});
const bool = (v: string | undefined) => v === "true";

export function createFakeConferences(accountSid: string) {
  const conferences = new Map<string, FakeConference>();

  const conferenceJson = (c: FakeConference): Json => ({
    account_sid: accountSid,
    api_version: "2010-04-01",
    call_sid_ending_conference: null,
    date_created: twilioDate(c.created),
    date_updated: twilioDate(new Date()),
    friendly_name: c.friendlyName,
    reason_conference_ended: c.status === "completed" ? "conference-ended-via-api" : null,
    region: "us1",
    sid: c.sid,
    status: c.status,
    subresource_uris: {
      participants: `${API}/Accounts/${accountSid}/Conferences/${c.sid}/Participants.json`,
      recordings: `${API}/Accounts/${accountSid}/Conferences/${c.sid}/Recordings.json`,
    },
    uri: `${API}/Accounts/${accountSid}/Conferences/${c.sid}.json`,
  });

  const running = (name: string) => [...conferences.values()].find((c) => c.friendlyName === name && c.status !== "completed");
  /** Twilio takes the conference's SID, or (when adding a participant) its friendly name. */
  const find = (sidOrName: string) => conferences.get(sidOrName) ?? (sidOrName.startsWith("CF") ? undefined : running(sidOrName));

  function start(name: string, maxParticipants = 250): FakeConference {
    const c: FakeConference = { sid: sid("CF"), friendlyName: name, status: "init", maxParticipants, participants: new Map(), created: new Date() };
    conferences.set(c.sid, c);
    return c;
  }

  function participant(c: FakeConference, callSid: string, f: { muted?: boolean; coaching?: boolean; callSidToCoach?: string | null; start?: boolean; end?: boolean; label?: string | null; status: string }): Json {
    const now = twilioDate(new Date());
    return {
      account_sid: accountSid,
      call_sid: callSid,
      call_sid_to_coach: f.callSidToCoach ?? null,
      coaching: f.coaching ?? false,
      conference_sid: c.sid,
      date_created: now,
      date_updated: now,
      end_conference_on_exit: f.end ?? false,
      hold: false,
      label: f.label ?? null,
      muted: f.muted ?? false,
      queue_time: "0",
      start_conference_on_enter: f.start ?? true,
      status: f.status,
      uri: `${API}/Accounts/${accountSid}/Conferences/${c.sid}/Participants/${callSid}.json`,
    };
  }

  /** A coach needs a connected participant to coach, who is not on hold. */
  function coachingRefusal(c: FakeConference, coaching: boolean, toCoach: string | undefined): Answer | null {
    if (!coaching) return null;
    const coached = toCoach ? c.participants.get(toCoach) : undefined;
    if (!coached || coached.status !== "connected") return error(400, 16028, "Participant to be whispered is not present in the conference");
    if (coached.hold === true) return error(400, 16027, "Participant to be whispered is on hold");
    return null;
  }

  function route(method: string, path: string, form: Record<string, string>, query: Record<string, string>): Answer | null {
    const notFound = (): Answer => error(404, 20404, `The requested resource ${path} was not found`);
    if (CONFERENCES_PATH.test(path) && method === "GET") {
      const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50) || 50));
      const list = [...conferences.values()]
        .filter((c) => (!query.FriendlyName || c.friendlyName === query.FriendlyName) && (!query.Status || c.status === query.Status))
        .reverse()
        .slice(0, pageSize);
      const uri = `${API}/Accounts/${accountSid}/Conferences.json?${new URLSearchParams({ ...query, PageSize: String(pageSize), Page: "0" })}`;
      return { status: 200, body: { conferences: list.map(conferenceJson), end: list.length - 1, first_page_uri: uri, next_page_uri: null, page: 0, page_size: pageSize, previous_page_uri: null, start: 0, uri } };
    }
    const one = CONFERENCE_PATH.exec(path);
    if (one && (method === "GET" || method === "POST")) {
      const c = conferences.get(one[2] ?? "");
      if (!c) return notFound();
      if (method === "POST" && form.Status === "completed") end(c);
      return { status: 200, body: conferenceJson(c) };
    }
    const many = PARTICIPANTS_PATH.exec(path);
    if (many && method === "GET") {
      const c = conferences.get(many[2] ?? "");
      if (!c) return notFound();
      return { status: 200, body: { participants: [...c.participants.values()], page: 0, page_size: 50, start: 0, end: c.participants.size - 1, next_page_uri: null, previous_page_uri: null } };
    }
    if (many && method === "POST") {
      if (!form.To) return error(400, 21201, "No 'To' number is specified");
      if (!form.From) return error(400, 21213, "No 'From' number is specified");
      const name = decodeURIComponent(many[2] ?? "");
      const c = find(name) ?? (name.startsWith("CF") ? null : start(name, Number(form.MaxParticipants ?? 250) || 250));
      if (!c || c.status === "completed") return notFound();
      if (c.participants.size >= c.maxParticipants) return error(400, 16020, "Conference is full");
      const refused = coachingRefusal(c, bool(form.Coaching), form.CallSidToCoach);
      if (refused) return refused;
      const callSid = sid("CA");
      const p = participant(c, callSid, {
        muted: bool(form.Muted),
        coaching: bool(form.Coaching),
        callSidToCoach: form.CallSidToCoach ?? null,
        start: form.StartConferenceOnEnter !== "false",
        end: bool(form.EndConferenceOnExit),
        label: form.Label ?? null,
        status: "queued",
      });
      c.participants.set(callSid, p);
      return { status: 201, body: p };
    }
    const each = PARTICIPANT_PATH.exec(path);
    if (each) {
      const c = conferences.get(each[2] ?? "");
      const p = c?.participants.get(each[3] ?? "");
      if (!c || !p) return notFound();
      if (method === "GET") return { status: 200, body: p };
      if (method === "DELETE") {
        leave(c, String(p.call_sid));
        return { status: 204, body: {} };
      }
      if (method === "POST") {
        const coaching = form.Coaching !== undefined ? bool(form.Coaching) : form.CallSidToCoach ? true : Boolean(p.coaching);
        const toCoach = form.CallSidToCoach ?? (coaching ? (p.call_sid_to_coach as string | null) ?? undefined : undefined);
        const refused = coachingRefusal(c, coaching, toCoach);
        if (refused) return refused;
        if (form.Muted !== undefined) p.muted = bool(form.Muted);
        if (form.Hold !== undefined) p.hold = bool(form.Hold);
        if (form.EndConferenceOnExit !== undefined) p.end_conference_on_exit = bool(form.EndConferenceOnExit);
        p.coaching = coaching;
        p.call_sid_to_coach = coaching ? (toCoach ?? null) : null;
        p.date_updated = twilioDate(new Date());
        return { status: 200, body: p };
      }
    }
    return null;
  }

  function end(c: FakeConference) {
    c.status = "completed";
    c.participants.clear();
  }
  /** A participant leaves; one who ends the conference on exit ends it for all. */
  function leave(c: FakeConference, callSid: string) {
    const p = c.participants.get(callSid);
    c.participants.delete(callSid);
    if (p?.end_conference_on_exit === true || c.participants.size === 0) end(c);
  }

  return {
    route,
    all: () => [...conferences.values()],
    byName: (name: string) => running(name) ?? null,
    /** A call joins by TwiML (<Dial><Conference>), as the caller's leg does; returns the conference. */
    joinByTwiml(name: string, callSid: string, opts: { startConferenceOnEnter?: boolean; endConferenceOnExit?: boolean } = {}): FakeConference {
      const c = running(name) ?? start(name);
      c.participants.set(callSid, participant(c, callSid, { start: opts.startConferenceOnEnter ?? true, end: opts.endConferenceOnExit ?? false, status: "connected" }));
      if (opts.startConferenceOnEnter !== false) c.status = "in-progress";
      return c;
    },
    /** A placed participant answers: connected, and the conference starts if they start it. */
    answer(callSid: string): FakeConference {
      const c = [...conferences.values()].find((x) => x.participants.has(callSid));
      if (!c) throw new Error(`fake-twilio: no participant ${callSid}`);
      const p = c.participants.get(callSid)!;
      p.status = "connected";
      if (p.start_conference_on_enter === true) c.status = "in-progress";
      return c;
    },
    leave(callSid: string) {
      const c = [...conferences.values()].find((x) => x.participants.has(callSid));
      if (c) leave(c, callSid);
    },
    /** A placed participant who never connected (no answer, declined) is gone, and ends nothing. */
    drop(callSid: string) {
      for (const c of conferences.values()) c.participants.delete(callSid);
    },
    reset() {
      conferences.clear();
    },
  };
}

export type FakeConferences = ReturnType<typeof createFakeConferences>;
