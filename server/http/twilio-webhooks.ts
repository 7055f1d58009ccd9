// Twilio's webhooks. Each checks X-Twilio-Signature against PUBLIC_URL + path first (403, nothing
// stored), then validates (400 with the reason), and answers 2xx only after the commit.
import { Router, type Request, type Response } from "express";
import type { SmsAdapter } from "../../channels/sms/sms-adapter.ts";
import { InboundParseError } from "../../channels/channel.ts";
import type { IngestDeps } from "../domain/ingest/ingest-inbound.ts";
import { ingestInbound } from "../domain/ingest/ingest-inbound.ts";
import { applyStatus } from "../domain/outbound/deliver-message.ts";
import { attachCallRecording, callerPosition, receiveCall, recordCallStatus, recordVoicemail, requeueMissedCall } from "../domain/voice/calls.ts";
import { requestCallback } from "../domain/voice/outbound-calls.ts";
import type { VoiceAdapter } from "../../channels/voice/voice-adapter.ts";
import type { Logger } from "../log.ts";
import type { PrismaClient } from "../db/client.ts";
import { recordConferenceEvent, recordLegStatus } from "../domain/voice/conference-events.ts";
import { cleanStrings } from "./clean-text.ts";
import { formText } from "./read-body.ts";

export interface TwilioWebhookDeps extends IngestDeps {
  sms: SmsAdapter | null;
  voice: VoiceAdapter | null;
  log: Logger;
  publicUrl: string;
  wrapUpMs: number;
  prisma: PrismaClient;
  announceMonitoring: boolean;
}

const GREETING = "Thank you for calling. Please hold while we connect you to the next available agent.";
const NO_AGENT_MESSAGE = "All our agents are still busy. Please leave a message after the tone, and we will call you back.";
const CLOSED_MESSAGE = "We are closed right now. Please leave a message after the tone, and we will call you back.";
// Twilio's own hold music, public and free to use.
export const HOLD_MUSIC_URL = "http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3";

/** A repeated key becomes an array, as Twilio's signature check expects. */
function parseForm(text: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function twilioWebhookRouter(deps: TwilioWebhookDeps): Router {
  const router = Router();
  // Twilio posts flat form fields; URLSearchParams reads them at a fraction of qs's cost (hot path).
  router.use(formText({ limit: 64 * 1024 }));
  router.use((req, _res, next) => {
    req.body = parseForm(typeof req.body === "string" ? req.body : "");
    next();
  });

  const reject = (res: Response, status: number, message: string) => res.status(status).type("text/plain").send(message);

  /** Returns the adapter when the request may proceed; otherwise has answered already. */
  function verified<A extends { verifySignature: SmsAdapter["verifySignature"] }>(adapter: A | null, name: string, req: Request, res: Response): A | null {
    if (!adapter) {
      reject(res, 503, `The ${name} channel is not configured on this Switchboard`);
      return null;
    }
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!adapter.verifySignature(req.originalUrl, params, req.get("x-twilio-signature"))) {
      deps.log.warn("twilio webhook with a missing or wrong signature", { path: req.originalUrl, ip: req.ip });
      reject(res, 403, "Invalid or missing X-Twilio-Signature");
      return null;
    }
    // The signature covers the text as sent; what is stored must be text PostgreSQL can hold (a NUL
    // in an SMS body would otherwise fail every retry with a 500 and the message would be lost).
    req.body = cleanStrings(params);
    return adapter;
  }
  /** Runs a provider parser; a malformed body answers 400 with the reason. */
  function parsed<T>(res: Response, what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InboundParseError) {
        reject(res, 400, `Malformed ${what}: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  }
  const body = (req: Request) => req.body as Record<string, unknown>;
  const twiml = (res: Response, xml: string) => res.type("text/xml").send(xml);

  router.post("/voice", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const call = parsed(res, "voice webhook", () => voice.parseInboundCall(body(req)));
    if (!call) return;
    const { open } = await receiveCall(deps, call);
    twiml(res, open ? voice.holdTwiml(GREETING) : voice.voicemailTwiml(CLOSED_MESSAGE));
  });

  router.post("/voice/wait", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const callSid = body(req).CallSid;
    const wait = typeof callSid === "string" ? await callerPosition(deps.pool, callSid) : null;
    // Twilio tells how long the caller has waited; past their queue's limit they are offered another way:
    // a callback (or voicemail), or straight to voicemail, as the queue says.
    const waited = Number(body(req).QueueTime ?? 0);
    if (wait?.maxWaitSeconds != null && waited >= wait.maxWaitSeconds) {
      return twiml(res, wait.afterMaxWait === "callback" ? voice.tooLongTwiml() : voice.leaveQueueTwiml());
    }
    const minutes = wait?.estimateSeconds ? Math.max(1, Math.round(wait.estimateSeconds / 60)) : null;
    twiml(res, voice.waitTwiml({ position: wait?.position ?? null, estimateMinutes: minutes, holdMusicUrl: HOLD_MUSIC_URL }));
  });

  router.post("/voice/status", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const update = parsed(res, "call status callback", () => voice.parseCallStatus(body(req)));
    if (!update) return;
    await recordCallStatus(deps, update);
    if (update.agentMissed) {
      // The <Dial> to the agent's softphone went unanswered: the caller goes back on hold for the next agent.
      await requeueMissedCall(deps, update.callSid);
      return twiml(res, voice.holdTwiml("Sorry, that agent is not available. Please hold for the next one."));
    }
    // Also the action of <Dial>: an empty answer ends the call once its part is over.
    twiml(res, voice.emptyTwiml());
  });

  router.post("/voice/conference", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const event = parsed(res, "conference status callback", () => voice.conference.parseEvent(body(req)));
    if (!event) return;
    await recordConferenceEvent({ ...deps, voice }, event);
    res.status(204).end();
  });

  router.post("/voice/leg", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const update = parsed(res, "participant call status", () => voice.conference.parseLegStatus(body(req), req.query as Record<string, unknown>));
    if (!update) return;
    await recordLegStatus({ ...deps, voice }, update);
    res.status(204).end();
  });

  router.post("/voice/dequeued", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const dequeue = parsed(res, "queue result", () => voice.parseDequeue(body(req)));
    if (!dequeue) return;
    // "leave": the caller chose voicemail after waiting too long; otherwise the call is over or bridged.
    twiml(res, dequeue.result === "leave" ? voice.voicemailTwiml(NO_AGENT_MESSAGE) : voice.emptyTwiml());
  });

  router.post("/voice/choice", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const choice = parsed(res, "key press", () => voice.parseChoice(body(req)));
    if (!choice) return;
    if (choice.digits === "1") {
      await requestCallback(deps, choice.callSid);
      twiml(res, voice.callbackConfirmedTwiml());
    } else {
      twiml(res, voice.voicemailTwiml(NO_AGENT_MESSAGE));
    }
  });

  router.post("/voice/recording", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    // A conference's recording: the signed URL names the caller's call (conference.ts joinTwiml).
    const forCall = typeof req.query.callSid === "string" ? { CallSid: req.query.callSid } : {};
    const recording = parsed(res, "recording callback", () => voice.parseRecording({ ...body(req), ...forCall }));
    if (!recording) return;
    await attachCallRecording(deps, recording);
    res.status(204).end();
  });

  router.post("/voice/voicemail", async (req, res) => {
    const voice = verified(deps.voice, "voice", req, res);
    if (!voice) return;
    const recording = parsed(res, "recording callback", () => voice.parseRecording(body(req)));
    if (!recording) return;
    await recordVoicemail(deps, recording);
    twiml(res, voice.emptyTwiml());
  });

  router.post("/sms", async (req, res) => {
    const sms = verified(deps.sms, "SMS", req, res);
    if (!sms) return;
    let event;
    try {
      event = sms.parseInbound(req.body as Record<string, unknown>);
    } catch (err) {
      if (err instanceof InboundParseError) return reject(res, 400, `Malformed SMS webhook: ${err.message}`);
      throw err;
    }
    await ingestInbound(deps, event);
    res.type("text/xml").send(sms.emptyReply());
  });

  router.post("/sms/status", async (req, res) => {
    const sms = verified(deps.sms, "SMS", req, res);
    if (!sms) return;
    const messageId = typeof req.query.messageId === "string" && UUID.test(req.query.messageId) ? req.query.messageId : null;
    let update;
    try {
      update = sms.parseStatus(req.body as Record<string, unknown>, messageId);
    } catch (err) {
      if (err instanceof InboundParseError) return reject(res, 400, `Malformed status callback: ${err.message}`);
      throw err;
    }
    if (update) await applyStatus(deps, update, "sms");
    res.status(204).end();
  });

  return router;
}
