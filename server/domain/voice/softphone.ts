// The agent's browser softphone: a short-lived Twilio access token with a VoiceGrant for this agent
// only, and connecting an accepted call to it.
import twilio from "twilio";
import type pg from "pg";
import type { VoiceTokenResponse } from "../../../shared/api.ts";
import { ChannelSendError } from "../../../channels/channel.ts";
import { AppError } from "../../errors.ts";
import type { EventPublisher } from "../events.ts";
import type { VoiceAdapter } from "../../../channels/voice/voice-adapter.ts";
import type { PrismaClient } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { agentClientIdentity, callOf } from "./calls.ts";
import { connectThroughConference } from "./conference-calls.ts";
import { placeCall, wantsCallback } from "./outbound-calls.ts";

const TOKEN_TTL_SECONDS = 3600;

export function softphoneToken(
  settings: { accountSid: string; apiKeySid: string; apiKeySecret: string; twimlAppSid: string } | null,
  agentId: string,
): VoiceTokenResponse {
  if (!settings) {
    throw new AppError("CHANNEL_DISABLED", "The browser softphone is off: set TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID");
  }
  const identity = agentClientIdentity(agentId);
  const token = new twilio.jwt.AccessToken(settings.accountSid, settings.apiKeySid, settings.apiKeySecret, { identity, ttl: TOKEN_TTL_SECONDS });
  token.addGrant(new twilio.jwt.AccessToken.VoiceGrant({ outgoingApplicationSid: settings.twimlAppSid, incomingAllow: true }));
  return { token: token.toJwt(), identity, expiresAt: new Date(Date.now() + TOKEN_TTL_SECONDS * 1000).toISOString() };
}

/**
 * After an agent accepts a call: take it out of Twilio's queue into the call's conference and ring the
 * agent's softphone into it; or, for a caller who asked to be called back, call them now and connect the agent.
 */
export async function connectCallToAgent(
  deps: {
    pool: pg.Pool;
    prisma: PrismaClient;
    events: EventPublisher;
    voice: VoiceAdapter | null;
    businessNumber: string | null;
    log?: Logger;
  },
  opts: { conversationId: string; agentId: string },
): Promise<void> {
  if (!deps.voice) throw new AppError("CHANNEL_DISABLED", "The voice channel is not configured");
  if (await wantsCallback(deps.pool, opts.conversationId)) return placeCall(deps, opts);
  const callSid = await callOf(deps.pool, opts.conversationId);
  if (!callSid) throw new AppError("NOT_FOUND", "This conversation has no call");
  try {
    await connectThroughConference({ ...deps, voice: deps.voice }, { conversationId: opts.conversationId, agentId: opts.agentId, customerCallSid: callSid });
  } catch (err) {
    if (err instanceof ChannelSendError) throw new AppError("PROVIDER_ERROR", `Twilio: ${err.message}`);
    throw err;
  }
}
