// Twilio conferences for answered calls (the "agent conference" Twilio recommends): the caller joins by
// TwiML, everyone else is placed into it through the Participants API, and a participant's mute, hold
// and coaching flags are how hold, whisper and barge are done. Twilio's names stay in this file.
import twilio from "twilio";
import { z } from "zod";
import { InboundParseError } from "../channel.ts";
import { twilioSendError, type TwilioRestClient } from "../twilio/rest-client.ts";
import type { AgentDialTarget } from "./voice-adapter.ts";

/** The webhooks this file names to Twilio (VOICE_PATHS in voice-adapter.ts), as full public URLs. */
export interface ConferenceUrls {
  conference: string;
  leg: string;
  recording: string;
}

const CallSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, "CallSid must be CA followed by 32 hex digits");
const ConferenceSid = z.string().regex(/^CF[0-9a-fA-F]{32}$/, "ConferenceSid must be CF followed by 32 hex digits");
const TwilioBool = z.enum(["true", "false"]).transform((v) => v === "true");

const ConferenceEventParams = z
  .object({
    ConferenceSid,
    FriendlyName: z.string().min(1, "FriendlyName is required").max(128),
    StatusCallbackEvent: z.enum([
      "conference-start",
      "conference-end",
      "participant-join",
      "participant-leave",
      "participant-hold",
      "participant-unhold",
      "participant-mute",
      "participant-unmute",
      "participant-modify",
      "participant-speech-start",
      "participant-speech-stop",
      "announcement-end",
      "announcement-fail",
    ]),
    CallSid: CallSid.optional(),
    Hold: TwilioBool.optional(),
    Muted: TwilioBool.optional(),
    Coaching: TwilioBool.optional(),
  })
  .passthrough();

export interface ConferenceEvent {
  conferenceSid: string;
  friendlyName: string;
  event: z.infer<typeof ConferenceEventParams>["StatusCallbackEvent"];
  callSid: string | null;
  hold: boolean | null;
  muted: boolean | null;
}

const LegStatusParams = z
  .object({
    CallSid,
    CallStatus: z.enum(["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]),
  })
  .passthrough();

/** How a participant takes part: a supervisor's listen is muted; a whisper coaches one call; barge speaks to all. */
export interface ParticipantVoice {
  muted: boolean;
  coaching: boolean;
  /** Required with coaching: the only participant who hears the coach. */
  callSidToCoach?: string;
}

export interface NewParticipant {
  from: string;
  to: AgentDialTarget;
  /** The agent's leg ends the call when it leaves; a supervisor's or a colleague's does not. */
  endConferenceOnExit: boolean;
  voice?: ParticipantVoice;
  /** Play the join beep (not for a supervisor slipping in to listen). */
  beep: boolean;
  timeoutSeconds?: number;
  /**
   * Carried on the leg's status callback URL (signed with it): a leg that fails at once can report before
   * its CallSid has been stored, and the callback must still say whose leg it was.
   */
  leg: LegContext;
}

export interface LegContext {
  conversationId: string;
  role: "agent" | "consult" | "monitor";
  agentId: string;
}

const LegQuery = z.object({ conversationId: z.string().uuid(), role: z.enum(["agent", "consult", "monitor"]), agentId: z.string().uuid() });

const CONFERENCE_EVENTS: ("start" | "end" | "join" | "leave" | "hold" | "mute" | "modify")[] = ["start", "end", "join", "leave", "hold", "mute", "modify"];

function parse<T>(schema: z.ZodType<T>, params: Record<string, unknown>): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InboundParseError(`${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}

export function createConferenceOps(client: TwilioRestClient, urls: ConferenceUrls, opts: { recordCalls: boolean }) {
  const rest = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw twilioSendError(err);
    }
  };
  const address = (t: AgentDialTarget) => ("phone" in t ? t.phone : `client:${t.client}`);

  return {
    /**
     * The caller's leg joins the conference and waits (hold music) until the agent's leg starts it; when
     * the caller hangs up the conference ends, and so do the other legs. A recorded conference's callback
     * names the conference, not a call: its URL carries the caller's CallSid, which the call is stored by.
     */
    joinTwiml(name: string, callerCallSid: string): string {
      const r = new twilio.twiml.VoiceResponse();
      r.dial().conference(
        {
          startConferenceOnEnter: false,
          endConferenceOnExit: true,
          // No waitUrl: until the agent's leg starts the conference the caller hears Twilio's standard hold music.
          beep: "false",
          statusCallback: urls.conference,
          statusCallbackMethod: "POST",
          statusCallbackEvent: CONFERENCE_EVENTS,
          ...(opts.recordCalls ? { record: "record-from-start" as const, recordingStatusCallback: `${urls.recording}?${new URLSearchParams({ callSid: callerCallSid })}` } : {}),
        },
        name,
      );
      return r.toString();
    },

    /** Places a call into the conference (by SID, or by name: Twilio starts it if none runs yet); returns its CallSid. */
    async addParticipant(conference: string, p: NewParticipant): Promise<string> {
      const created = await rest(() =>
        client.conferences(conference).participants.create({
          from: p.from,
          to: address(p.to),
          beep: p.beep ? "true" : "false",
          earlyMedia: false,
          startConferenceOnEnter: true,
          endConferenceOnExit: p.endConferenceOnExit,
          timeout: p.timeoutSeconds ?? 20,
          ...(p.voice ? { muted: p.voice.muted, coaching: p.voice.coaching, ...(p.voice.callSidToCoach ? { callSidToCoach: p.voice.callSidToCoach } : {}) } : {}),
          statusCallback: `${urls.leg}?${new URLSearchParams({ conversationId: p.leg.conversationId, role: p.leg.role, agentId: p.leg.agentId })}`,
          statusCallbackMethod: "POST",
          statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
          conferenceStatusCallback: urls.conference,
          conferenceStatusCallbackEvent: CONFERENCE_EVENTS,
        }),
      );
      return created.callSid;
    },

    async setVoice(conferenceSid: string, callSid: string, voice: ParticipantVoice): Promise<void> {
      await rest(() =>
        client
          .conferences(conferenceSid)
          .participants(callSid)
          .update({ muted: voice.muted, coaching: voice.coaching, ...(voice.callSidToCoach ? { callSidToCoach: voice.callSidToCoach } : {}) }),
      );
    },

    /** Hold plays holdUrl to the participant, who hears nobody and is heard by nobody. */
    async setHold(conferenceSid: string, callSid: string, hold: boolean, holdUrl: string): Promise<void> {
      await rest(() => client.conferences(conferenceSid).participants(callSid).update(hold ? { hold: true, holdUrl, holdMethod: "GET" } : { hold: false }));
    },

    /** An agent handing the caller over must be able to leave without ending the call; the one taking it must end it. */
    async setEndConferenceOnExit(conferenceSid: string, callSid: string, end: boolean): Promise<void> {
      await rest(() => client.conferences(conferenceSid).participants(callSid).update({ endConferenceOnExit: end }));
    },

    async removeParticipant(conferenceSid: string, callSid: string): Promise<void> {
      await rest(() => client.conferences(conferenceSid).participants(callSid).remove());
    },

    /** The running conference of that name (GET Conferences.json?FriendlyName=…&Status=in-progress), when its callback has not come yet. */
    async findRunning(name: string): Promise<string | null> {
      const found = await rest(() => client.conferences.list({ friendlyName: name, status: "in-progress", limit: 1 }));
      return found[0]?.sid ?? null;
    },

    parseEvent(params: Record<string, unknown>): ConferenceEvent {
      const p = parse(ConferenceEventParams, params);
      return { conferenceSid: p.ConferenceSid, friendlyName: p.FriendlyName, event: p.StatusCallbackEvent, callSid: p.CallSid ?? null, hold: p.Hold ?? null, muted: p.Muted ?? null };
    },

    /** A placed participant's call status; "missed" when it ended without being answered. `query`: the callback URL's own. */
    parseLegStatus(params: Record<string, unknown>, query: Record<string, unknown>): { callSid: string; status: string; missed: boolean; leg: LegContext } {
      const p = parse(LegStatusParams, params);
      const leg = parse(LegQuery, query);
      return { callSid: p.CallSid, status: p.CallStatus, missed: ["busy", "failed", "no-answer", "canceled"].includes(p.CallStatus), leg };
    },
  };
}

export type ConferenceOps = ReturnType<typeof createConferenceOps>;
