// The voice channel: Twilio Programmable Voice. Inbound calls wait in a Twilio <Enqueue> while
// Switchboard routes them; an accepted call is redirected (REST) into its conference (conference.ts).
import twilio from "twilio";
import { z } from "zod";
import { toE164 } from "../../shared/phone.ts";
import { ChannelSendError, InboundParseError, type ChannelAdapter } from "../channel.ts";
import { createTwilioRestClient, twilioSendError } from "../twilio/rest-client.ts";
import { verifyTwilioSignature } from "../twilio/signature.ts";
import { createConferenceOps } from "./conference.ts";

export interface VoiceAdapterSettings {
  accountSid: string;
  authToken: string;
  apiBaseUrl?: string | undefined;
  publicUrl: string;
  defaultCountry: string;
  /** Record answered calls (tell callers: recording laws vary). */
  recordCalls?: boolean;
}

export type AgentDialTarget = { client: string } | { phone: string };

export const VOICE_PATHS = {
  inbound: "/webhooks/twilio/voice",
  wait: "/webhooks/twilio/voice/wait",
  status: "/webhooks/twilio/voice/status",
  voicemail: "/webhooks/twilio/voice/voicemail",
  /** <Enqueue action>: the caller left the queue (to voicemail, or hung up, or was bridged). */
  dequeued: "/webhooks/twilio/voice/dequeued",
  /** The caller's key press after waiting too long: 1 asks for a callback. */
  choice: "/webhooks/twilio/voice/choice",
  /** A call recording is ready (when calls are recorded). */
  recording: "/webhooks/twilio/voice/recording",
  /** A call conference's status callback (start, end, join, leave, hold, mute, modify). */
  conference: "/webhooks/twilio/voice/conference",
  /** The status of a call Twilio placed into a conference (an agent, a colleague, a supervisor). */
  leg: "/webhooks/twilio/voice/leg",
} as const;

/** The Twilio queue every waiting caller sits in; Switchboard picks who is next, not Twilio. */
export const TWILIO_QUEUE_NAME = "switchboard";

const CallSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, "CallSid must be CA followed by 32 hex digits");

export interface InboundCall {
  callSid: string;
  from: string;
  to: string;
}

export type CallStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";

export interface CallStatusUpdate {
  callSid: string;
  status: CallStatus;
  durationSeconds: number | null;
  /** The agent's softphone did not pick up (no-answer, busy, failed, canceled): the caller is still on the line. */
  agentMissed: boolean;
}

export interface Recording {
  callSid: string;
  recordingUrl: string;
  durationSeconds: number;
}

const first = (params: Record<string, unknown>, schema: z.ZodType, what: string) => {
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InboundParseError(`${issue.path.join(".") || what}: ${issue.message}`);
  }
  return parsed.data;
};

const InboundCallParams = z.object({ CallSid, From: z.string().min(1, "From is required"), To: z.string().min(1, "To is required") }).passthrough();
const StatusParams = z
  .object({
    CallSid,
    CallStatus: z.enum(["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]),
    CallDuration: z.string().regex(/^\d+$/).optional(),
    /** Present on the <Dial> action: what became of ringing the agent. */
    DialCallStatus: z.string().optional(),
  })
  .passthrough();
const RecordingParams = z
  .object({ CallSid, RecordingUrl: z.string().url("RecordingUrl must be a URL"), RecordingDuration: z.string().regex(/^\d+$/, "RecordingDuration must be seconds") })
  .passthrough();

export function createVoiceAdapter(settings: VoiceAdapterSettings) {
  const client = createTwilioRestClient({ accountSid: settings.accountSid, authToken: settings.authToken, apiBaseUrl: settings.apiBaseUrl });
  const url = (path: string) => settings.publicUrl + path;

  const adapter = {
    channel: "voice" as const,
    /** Answered calls run in a conference: TwiML to join it, its participants, its callbacks. */
    conference: createConferenceOps(
      client,
      { conference: url(VOICE_PATHS.conference), leg: url(VOICE_PATHS.leg), recording: url(VOICE_PATHS.recording) },
      { recordCalls: !!settings.recordCalls },
    ),
    verifySignature: (pathAndQuery: string, params: Record<string, unknown>, signature: string | undefined) =>
      verifyTwilioSignature(settings.authToken, settings.publicUrl, pathAndQuery, params, signature),

    parseInboundCall(params: Record<string, unknown>): InboundCall {
      const p = first(params, InboundCallParams, "body") as z.infer<typeof InboundCallParams>;
      const from = toE164(p.From, settings.defaultCountry);
      // Withheld numbers arrive as "anonymous" or "+266696687": they cannot identify a customer.
      if (!from) throw new InboundParseError(`From: "${p.From}" is not a callable number`);
      return { callSid: p.CallSid, from, to: toE164(p.To, settings.defaultCountry) ?? p.To };
    },

    parseCallStatus(params: Record<string, unknown>): CallStatusUpdate {
      const p = first(params, StatusParams, "body") as z.infer<typeof StatusParams>;
      const status = p.CallStatus === "initiated" ? "queued" : p.CallStatus;
      const agentMissed = !!p.DialCallStatus && ["no-answer", "busy", "failed", "canceled"].includes(p.DialCallStatus) && status === "in-progress";
      return { callSid: p.CallSid, status, durationSeconds: p.CallDuration ? Number(p.CallDuration) : null, agentMissed };
    },

    parseRecording(params: Record<string, unknown>): Recording {
      const p = first(params, RecordingParams, "body") as z.infer<typeof RecordingParams>;
      return { callSid: p.CallSid, recordingUrl: p.RecordingUrl, durationSeconds: Number(p.RecordingDuration) };
    },

    /** Greets the caller and puts them on hold in Twilio's queue until an agent takes the call. */
    holdTwiml(greeting: string): string {
      const r = new twilio.twiml.VoiceResponse();
      r.say(greeting);
      r.enqueue({ waitUrl: url(VOICE_PATHS.wait), waitUrlMethod: "POST", action: url(VOICE_PATHS.dequeued) }, TWILIO_QUEUE_NAME);
      return r.toString();
    },

    /** Played in a loop while the caller waits: their place in line, then hold music. */
    waitTwiml(opts: { position: number | null; estimateMinutes: number | null; holdMusicUrl: string }): string {
      const r = new twilio.twiml.VoiceResponse();
      if (opts.position) {
        r.say(
          `You are number ${opts.position} in line.` +
            (opts.estimateMinutes ? ` Your expected wait is about ${opts.estimateMinutes} minute${opts.estimateMinutes === 1 ? "" : "s"}.` : ""),
        );
      }
      r.play(opts.holdMusicUrl);
      return r.toString();
    },

    /** Waited too long: press 1 for a callback; otherwise leave the queue for voicemail. */
    tooLongTwiml(): string {
      const r = new twilio.twiml.VoiceResponse();
      const gather = r.gather({ numDigits: 1, timeout: 6, action: url(VOICE_PATHS.choice), method: "POST" });
      gather.say("Sorry for the wait. Press 1 and we will call you back as soon as an agent is free. Or stay on the line to leave a voicemail.");
      r.leave();
      return r.toString();
    },

    /** Out of the line: Twilio ends the <Enqueue> with "leave" and the dequeue action records a voicemail. */
    leaveQueueTwiml(): string {
      const r = new twilio.twiml.VoiceResponse();
      r.leave();
      return r.toString();
    },

    callbackConfirmedTwiml(): string {
      const r = new twilio.twiml.VoiceResponse();
      r.say("Thank you. We will call you back as soon as an agent is free. Goodbye.");
      r.hangup();
      return r.toString();
    },

    parseDequeue(params: Record<string, unknown>): { callSid: string; result: string } {
      const p = first(params, z.object({ CallSid, QueueResult: z.string().min(1, "QueueResult is required") }).passthrough(), "body") as { CallSid: string; QueueResult: string };
      return { callSid: p.CallSid, result: p.QueueResult };
    },

    parseChoice(params: Record<string, unknown>): { callSid: string; digits: string } {
      const p = first(params, z.object({ CallSid, Digits: z.string().max(20).default("") }).passthrough(), "body") as { CallSid: string; Digits: string };
      return { callSid: p.CallSid, digits: p.Digits };
    },

    /** Calls the customer and connects them to the agent (softphone or their phone). */
    async callCustomer(opts: { to: string; from: string; agent: AgentDialTarget }): Promise<string> {
      const r = new twilio.twiml.VoiceResponse();
      r.say("Hello, this is a call from our support team. Connecting you to an agent now.");
      const dial = r.dial({ timeout: 30 });
      if ("phone" in opts.agent) dial.number(opts.agent.phone);
      else dial.client(opts.agent.client);
      try {
        const created = await client.calls.create({
          to: opts.to,
          from: opts.from,
          twiml: r.toString(),
          statusCallback: url(VOICE_PATHS.status),
          statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
        });
        return created.sid;
      } catch (err) {
        throw twilioSendError(err);
      }
    },

    /** Nobody can answer (closed): take a voicemail, which becomes work on the caller's timeline. */
    voicemailTwiml(message: string): string {
      const r = new twilio.twiml.VoiceResponse();
      r.say(message);
      r.record({ action: url(VOICE_PATHS.voicemail), method: "POST", maxLength: 120, playBeep: true });
      r.say("We did not receive a recording. Goodbye.");
      return r.toString();
    },

    emptyTwiml: () => new twilio.twiml.VoiceResponse().toString(),

    /** Replaces what the caller's leg is doing now with new TwiML (hold music, another agent, the queue). */
    async redirectCall(callSid: string, twiml: string): Promise<void> {
      try {
        await client.calls(callSid).update({ twiml });
      } catch (err) {
        throw twilioSendError(err);
      }
    },

    async hangUp(callSid: string): Promise<void> {
      try {
        await client.calls(callSid).update({ status: "completed" });
      } catch (err) {
        throw twilioSendError(err);
      }
    },

    /** The caller hears hold music until the agent resumes (the agent's leg is released meanwhile). */
    holdMusicTwiml(holdMusicUrl: string): string {
      const r = new twilio.twiml.VoiceResponse();
      r.say("Please hold.");
      r.play({ loop: 0 }, holdMusicUrl);
      return r.toString();
    },

    /** Rings the agent: their browser softphone, or their own phone when they chose one. */
    dialAgentTwiml(target: AgentDialTarget): string {
      const r = new twilio.twiml.VoiceResponse();
      const dial = r.dial({
        timeout: 20,
        action: url(VOICE_PATHS.status),
        ...(settings.recordCalls ? { record: "record-from-answer" as const, recordingStatusCallback: url(VOICE_PATHS.recording) } : {}),
      });
      if ("phone" in target) dial.number(target.phone);
      else dial.client(target.client);
      return r.toString();
    },

    async send(): Promise<never> {
      throw new ChannelSendError("A call cannot be answered with a text message: reply by SMS, or call back", "permanent", null);
    },
  } satisfies ChannelAdapter & Record<string, unknown>;
  return adapter;
}

export type VoiceAdapter = ReturnType<typeof createVoiceAdapter>;
