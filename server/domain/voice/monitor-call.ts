// A supervisor listens to, whispers to the agent on, or barges into a call in progress: they are placed
// into the call's conference as one more participant (muted; coaching the agent's leg; or speaking to
// all), and a change of mode changes that participant. Supervisors and admins only; audited.
import { ChannelSendError } from "../../../channels/channel.ts";
import type { ParticipantVoice } from "../../../channels/voice/conference.ts";
import type { MonitorBody, MonitorMode, MonitorView } from "../../../shared/call-monitor.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, can, type Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { agentClientIdentity } from "./calls.ts";
import { legOf, liveConference, storeLeg, type ConferenceDeps } from "./conference-calls.ts";

export interface MonitorDeps extends Omit<ConferenceDeps, "voice"> {
  voice: ConferenceDeps["voice"] | null;
  events: EventPublisher;
  /** VOICE_ANNOUNCE_MONITORING: the agent is told who monitors their call. */
  announceMonitoring: boolean;
}

/** What each mode asks of the supervisor's participant; a whisper coaches the agent's leg. */
export function monitorVoice(mode: MonitorMode, agentCallSid: string): ParticipantVoice {
  if (mode === "listen") return { muted: true, coaching: false };
  if (mode === "whisper") return { muted: false, coaching: true, callSidToCoach: agentCallSid };
  return { muted: false, coaching: false };
}

/** Twilio refusals as the workspace's codes: 16027 is "a participant on hold cannot be coached". */
function providerRefusal(err: unknown): never {
  if (err instanceof ChannelSendError) {
    if (err.providerCode === "16027") throw new AppError("CONFLICT", "The agent is on hold and cannot be whispered to now", { twilioCode: err.providerCode });
    throw new AppError("PROVIDER_ERROR", `Twilio refused: ${err.message}`, { twilioCode: err.providerCode });
  }
  throw err;
}

/** A conference that has not started or has ended reads as "no call in progress" here. */
const notRunning = (err: unknown) => {
  if (err instanceof AppError && err.code === "CONFLICT") return null;
  throw err;
};

export async function monitorCall(deps: MonitorDeps, opts: { conversationId: string; actor: Actor } & MonitorBody): Promise<MonitorView[]> {
  assertCan(opts.actor, "calls.monitor");
  const voice = deps.voice;
  if (!voice) throw new AppError("CHANNEL_DISABLED", "The voice channel is not configured");
  const conversation = await deps.prisma.conversation.findUnique({ where: { id: opts.conversationId }, select: { id: true, channel: true } });
  if (!conversation) throw new AppError("NOT_FOUND", "No such conversation");
  const conference = conversation.channel === "voice" ? await liveConference({ ...deps, voice }, opts.conversationId).catch(notRunning) : null;
  const agentLeg = conference ? legOf(conference, "agent") : null;
  if (!conference || !agentLeg || agentLeg.status !== "joined") throw new AppError("CONFLICT", "No call is in progress in a conference on this conversation");
  if (agentLeg.agentId === opts.actor.id) throw new AppError("CONFLICT", "This is your own call");
  const voiceOf = monitorVoice(opts.mode, agentLeg.callSid);
  const mine = legOf(conference, "monitor", opts.actor.id);

  if (mine) {
    await voice.conference.setVoice(conference.conferenceSid, mine.callSid, voiceOf).catch(providerRefusal);
    await deps.prisma.$transaction(async (tx) => {
      await tx.callLeg.update({ where: { callSid: mine.callSid }, data: { monitorMode: opts.mode, muted: voiceOf.muted, updatedAt: new Date() } });
      await recordPrismaAudit(tx, {
        actorId: opts.actor.id,
        action: "call.monitor_changed",
        entityType: "conversation",
        entityId: opts.conversationId,
        data: { from: mine.monitorMode, mode: opts.mode, callSid: mine.callSid },
      });
    });
  } else {
    const to = opts.via === "phone" ? await forwardPhoneOf(deps, opts.actor.id) : { client: agentClientIdentity(opts.actor.id) };
    if (!deps.businessNumber) throw new AppError("CHANNEL_DISABLED", "The voice channel has no number to call from (TWILIO_PHONE_NUMBER)");
    const callSid = await voice.conference
      .addParticipant(conference.conferenceSid, {
        from: deps.businessNumber,
        to,
        endConferenceOnExit: false,
        beep: false,
        voice: voiceOf,
        timeoutSeconds: 30,
        leg: { conversationId: opts.conversationId, role: "monitor", agentId: opts.actor.id },
      })
      .catch(providerRefusal);
    try {
      await deps.prisma.$transaction(async (tx) => {
        await storeLeg(tx, { conversationId: opts.conversationId, callSid, role: "monitor", agentId: opts.actor.id, monitorMode: opts.mode, muted: voiceOf.muted });
        await recordPrismaAudit(tx, {
          actorId: opts.actor.id,
          action: "call.monitor_started",
          entityType: "conversation",
          entityId: opts.conversationId,
          data: { mode: opts.mode, via: opts.via, callSid, agentId: agentLeg.agentId },
        });
      });
    } catch (err) {
      // Two requests of the same supervisor at once: the second's leg is not kept (one monitor leg each).
      await voice.conference.removeParticipant(conference.conferenceSid, callSid).catch((undo: unknown) => deps.log?.warn("a duplicate monitor leg could not be removed", { callSid, err: undo }));
      if ((err as { code?: string }).code === "P2002") throw new AppError("CONFLICT", "You are already monitoring this call: change the mode instead");
      throw err;
    }
  }
  return publishMonitoring(deps, opts.conversationId);
}

export async function stopMonitoring(deps: MonitorDeps, opts: { conversationId: string; actor: Actor }): Promise<MonitorView[]> {
  assertCan(opts.actor, "calls.monitor");
  const voice = deps.voice;
  if (!voice) throw new AppError("CHANNEL_DISABLED", "The voice channel is not configured");
  const mine = await deps.prisma.callLeg.findFirst({
    where: { conversationId: opts.conversationId, role: "monitor", agentId: opts.actor.id, endedAt: null },
    include: { conference: true },
  });
  if (!mine) throw new AppError("NOT_FOUND", "You are not monitoring this call");
  if (mine.conference.conferenceSid && mine.conference.status !== "completed") {
    await voice.conference.removeParticipant(mine.conference.conferenceSid, mine.callSid).catch((err: unknown) => {
      // 20404: the supervisor's leg is gone already (they hung up): stopping is done.
      if (err instanceof ChannelSendError && err.providerCode === "20404") return;
      providerRefusal(err);
    });
  }
  await deps.prisma.$transaction(async (tx) => {
    await tx.callLeg.updateMany({ where: { callSid: mine.callSid, endedAt: null }, data: { endedAt: new Date(), status: "left", updatedAt: new Date() } });
    await recordPrismaAudit(tx, {
      actorId: opts.actor.id,
      action: "call.monitor_stopped",
      entityType: "conversation",
      entityId: opts.conversationId,
      data: { mode: mine.monitorMode, callSid: mine.callSid },
    });
  });
  return publishMonitoring(deps, opts.conversationId);
}

/** Who monitors the call now. An agent is told only when the business announces monitoring. */
export async function currentMonitors(deps: Pick<MonitorDeps, "prisma" | "announceMonitoring">, conversationId: string, actor?: Actor): Promise<MonitorView[]> {
  if (actor && !can(actor, "calls.monitor") && !deps.announceMonitoring) return [];
  const legs = await deps.prisma.callLeg.findMany({
    where: { conversationId, role: "monitor", endedAt: null, status: { not: "failed" } },
    orderBy: { createdAt: "asc" },
  });
  const ids = legs.map((l) => l.agentId).filter((id): id is string => !!id);
  const agents = await deps.prisma.agent.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  const name = new Map(agents.map((a) => [a.id, a.name]));
  return legs.map((l) => ({ agentId: l.agentId ?? "", name: name.get(l.agentId ?? "") ?? "A supervisor", mode: l.monitorMode as MonitorMode, since: l.createdAt.toISOString() }));
}

/** Tells supervisors (and, when announced, the call's agent) who monitors the call now. */
export async function publishMonitoring(deps: Pick<MonitorDeps, "prisma" | "events" | "announceMonitoring">, conversationId: string): Promise<MonitorView[]> {
  const [monitors, agentLeg] = await Promise.all([
    currentMonitors(deps, conversationId),
    deps.prisma.callLeg.findFirst({ where: { conversationId, role: "agent", endedAt: null }, select: { agentId: true } }),
  ]);
  await deps.events.publish({
    type: "call.monitoring",
    event: { conversationId, monitors },
    announceTo: deps.announceMonitoring ? (agentLeg?.agentId ?? null) : null,
  });
  return monitors;
}

async function forwardPhoneOf(deps: Pick<MonitorDeps, "prisma">, agentId: string): Promise<{ phone: string }> {
  const me = await deps.prisma.agent.findUnique({ where: { id: agentId }, select: { forwardPhone: true } });
  if (!me?.forwardPhone) throw new AppError("VALIDATION", "via: you have no forward phone set (set one under your profile, or use the softphone)");
  return { phone: me.forwardPhone };
}
