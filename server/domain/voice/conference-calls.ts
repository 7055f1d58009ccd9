// An accepted call runs in a Twilio conference named for its conversation: the caller's leg is
// redirected into it, and the agent's softphone (or phone) is placed into it as a participant, so that
// hold, warm transfer and a supervisor's listen, whisper and barge are changes to its participants.
import type pg from "pg";
import type { VoiceAdapter } from "../../../channels/voice/voice-adapter.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { loadConversation } from "../queries.ts";
import { agentDialTarget } from "./calls.ts";

export const conferenceName = (conversationId: string) => `conv-${conversationId}`;

export const BACK_IN_LINE_GREETING = "Sorry, that agent is not available. Please hold for the next one.";

export interface ConferenceDeps {
  pool: pg.Pool;
  prisma: PrismaClient;
  voice: VoiceAdapter;
  businessNumber: string | null;
  log?: Logger;
}

/** The caller joins the conference, then the agent is placed into it; a refused agent leg puts the caller back in line. */
export async function connectThroughConference(deps: ConferenceDeps, opts: { conversationId: string; agentId: string; customerCallSid: string }): Promise<void> {
  if (!deps.businessNumber) throw new AppError("CHANNEL_DISABLED", "The voice channel has no number to call from (TWILIO_PHONE_NUMBER)");
  const name = conferenceName(opts.conversationId);
  await openConference(deps.prisma, opts.conversationId, opts.customerCallSid);
  // The caller's leg moves first: if Twilio refuses that, the caller is still in the queue as before.
  await deps.voice.redirectCall(opts.customerCallSid, deps.voice.conference.joinTwiml(name, opts.customerCallSid));
  try {
    const callSid = await deps.voice.conference.addParticipant(name, {
      from: await callerIdFor(deps, opts.conversationId, opts.agentId),
      to: await agentDialTarget(deps.pool, opts.agentId),
      endConferenceOnExit: true,
      beep: false,
      leg: { conversationId: opts.conversationId, role: "agent", agentId: opts.agentId },
    });
    await storeLeg(deps.prisma, { conversationId: opts.conversationId, callSid, role: "agent", agentId: opts.agentId });
  } catch (err) {
    await deps.voice.redirectCall(opts.customerCallSid, deps.voice.holdTwiml(BACK_IN_LINE_GREETING)).catch((undo: unknown) => {
      deps.log?.warn("the caller could not be put back in Twilio's queue after the agent's leg failed", { conversationId: opts.conversationId, err: undo });
    });
    throw err;
  }
}

/**
 * Stores a leg Twilio placed. Its status callback may have come first (a leg that failed at once) and
 * stored it as failed: that row is kept as it is.
 */
export async function storeLeg(
  db: Pick<PrismaClient, "callLeg">,
  leg: { conversationId: string; callSid: string; role: "agent" | "consult" | "monitor"; agentId: string; monitorMode?: string; muted?: boolean },
): Promise<void> {
  await db.callLeg.upsert({ where: { callSid: leg.callSid }, create: leg, update: {} });
}

/** A fresh conference for this call (a call sent back to the queue and accepted again gets a new one). */
async function openConference(prisma: PrismaClient, conversationId: string, customerCallSid: string): Promise<void> {
  const now = new Date();
  await prisma.$transaction([
    prisma.callConference.upsert({
      where: { conversationId },
      create: { conversationId, friendlyName: conferenceName(conversationId) },
      update: { status: "init", conferenceSid: null, startedAt: null, endedAt: null, updatedAt: now },
    }),
    prisma.callLeg.updateMany({
      where: { conversationId, endedAt: null, callSid: { not: customerCallSid } },
      data: { endedAt: now, status: "left", updatedAt: now },
    }),
    prisma.callLeg.upsert({
      where: { callSid: customerCallSid },
      create: { conversationId, callSid: customerCallSid, role: "customer" },
      update: { status: "dialing", endedAt: null, joinedAt: null, onHold: false, muted: false, updatedAt: now },
    }),
  ]);
}

/** A softphone shows the caller's number; a phone can only be called from the business's own number. */
async function callerIdFor(deps: ConferenceDeps, conversationId: string, agentId: string): Promise<string> {
  const target = await agentDialTarget(deps.pool, agentId);
  if ("phone" in target) return deps.businessNumber!;
  const conversation = await loadConversation(deps.pool, conversationId);
  return conversation?.customerAddress && /^\+\d{7,15}$/.test(conversation.customerAddress) ? conversation.customerAddress : deps.businessNumber!;
}

export interface LiveConference {
  conversationId: string;
  name: string;
  conferenceSid: string;
  legs: { callSid: string; role: string; agentId: string | null; status: string; monitorMode: string | null; onHold: boolean }[];
}

/**
 * The conference a call runs in now, or null for a call connected without one (a click-to-call, or one
 * answered before conferences). Its SID is looked up at Twilio when its first callback has not come yet;
 * a conference that has not started (the agent has not answered) or has ended is a CONFLICT.
 */
export async function liveConference(deps: Pick<ConferenceDeps, "prisma" | "voice">, conversationId: string): Promise<LiveConference | null> {
  const conference = await deps.prisma.callConference.findUnique({
    where: { conversationId },
    include: { legs: { where: { endedAt: null }, orderBy: { createdAt: "asc" } } },
  });
  if (!conference) return null;
  if (conference.status === "completed") throw new AppError("CONFLICT", "This call is over");
  let sid = conference.conferenceSid;
  if (!sid) {
    sid = await deps.voice.conference.findRunning(conference.friendlyName);
    if (!sid) throw new AppError("CONFLICT", "The call is not connected yet: wait until the agent has answered");
    await deps.prisma.callConference.updateMany({ where: { conversationId, conferenceSid: null }, data: { conferenceSid: sid, status: "in-progress", updatedAt: new Date() } });
  }
  return {
    conversationId,
    name: conference.friendlyName,
    conferenceSid: sid,
    legs: conference.legs.map((l) => ({ callSid: l.callSid, role: l.role, agentId: l.agentId, status: l.status, monitorMode: l.monitorMode, onHold: l.onHold })),
  };
}

export const legOf = (conference: LiveConference, role: string, agentId?: string) =>
  conference.legs.find((l) => l.role === role && (agentId === undefined || l.agentId === agentId)) ?? null;
