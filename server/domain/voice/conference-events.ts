// Twilio's callbacks about a call's conference: its SID and start and end, who joined and left, who
// is held or muted; and the status of each call Twilio placed into it. Callbacks come late, twice and
// out of order, so each only moves a leg forward (dialing → joined → left) and a repeat changes nothing.
import type pg from "pg";
import type { ConferenceEvent, LegContext } from "../../../channels/voice/conference.ts";
import type { VoiceAdapter } from "../../../channels/voice/voice-adapter.ts";
import type { PrismaClient } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import type { EventPublisher } from "../events.ts";
import type { WorkQueues } from "../work-queues.ts";
import { requeueMissedCall } from "./calls.ts";
import { BACK_IN_LINE_GREETING } from "./conference-calls.ts";
import { publishConsult } from "./consult-state.ts";
import { publishMonitoring } from "./monitor-call.ts";

export interface ConferenceEventDeps {
  pool: pg.Pool;
  prisma: PrismaClient;
  events: EventPublisher;
  queues: WorkQueues;
  voice: VoiceAdapter;
  announceMonitoring: boolean;
  log: Logger;
}

export async function recordConferenceEvent(deps: ConferenceEventDeps, e: ConferenceEvent): Promise<void> {
  const conference = await deps.prisma.callConference.findUnique({ where: { friendlyName: e.friendlyName } });
  // Not one of ours, or an earlier conference of the same call (sent back to the queue, accepted again).
  if (!conference || (conference.conferenceSid && conference.conferenceSid !== e.conferenceSid)) return;
  const { conversationId } = conference;
  const now = new Date();
  if (conference.status === "completed") return;

  if (e.event === "conference-end") {
    // Only a conference we know ends: with no SID yet this may be the end of an earlier one of this call.
    if (conference.conferenceSid !== e.conferenceSid) return;
    await deps.prisma.$transaction([
      deps.prisma.callConference.updateMany({ where: { conversationId, status: { not: "completed" } }, data: { conferenceSid: e.conferenceSid, status: "completed", endedAt: now, updatedAt: now } }),
      deps.prisma.callLeg.updateMany({ where: { conversationId, endedAt: null, status: "joined" }, data: { status: "left", endedAt: now, updatedAt: now } }),
      // A leg still ringing (a supervisor who had not answered) ends with the conference too.
      deps.prisma.callLeg.updateMany({ where: { conversationId, endedAt: null, status: "dialing", role: { not: "customer" } }, data: { status: "failed", endedAt: now, updatedAt: now } }),
    ]);
    await publishConsult(deps, conversationId);
    return void (await publishMonitoring(deps, conversationId));
  }
  // Any other event says the conference runs, with this SID (the start callback may come after a join).
  await deps.prisma.callConference.updateMany({
    where: { conversationId, status: "init" },
    data: { conferenceSid: e.conferenceSid, status: "in-progress", startedAt: now, updatedAt: now },
  });
  if (!e.callSid) return;
  const leg = { callSid: e.callSid, conversationId, endedAt: null };
  switch (e.event) {
    case "participant-join": {
      const joined = await deps.prisma.callLeg.updateMany({ where: { ...leg, status: "dialing" }, data: { status: "joined", joinedAt: now, updatedAt: now } });
      if (joined.count && (await roleOf(deps, e.callSid)) === "consult") await publishConsult(deps, conversationId);
      break;
    }
    case "participant-leave": {
      const left = await deps.prisma.callLeg.updateMany({ where: leg, data: { status: "left", endedAt: now, updatedAt: now } });
      const gone = left.count ? await roleOf(deps, e.callSid) : null;
      if (gone === "monitor") await publishMonitoring(deps, conversationId);
      if (gone === "consult") await publishConsult(deps, conversationId);
      break;
    }
    case "participant-hold":
    case "participant-unhold": {
      // Only a change: a late repeat must not look like a new hold (consult-state.ts reads the leg's updatedAt).
      const onHold = e.event === "participant-hold";
      await deps.prisma.callLeg.updateMany({ where: { ...leg, onHold: !onHold }, data: { onHold, updatedAt: now } });
      break;
    }
    case "participant-mute":
    case "participant-unmute":
      await deps.prisma.callLeg.updateMany({ where: leg, data: { muted: e.event === "participant-mute", updatedAt: now } });
      break;
    default:
      break;
  }
}

/**
 * The status of a call Twilio placed into a conference. An agent's leg that ends unanswered (no answer,
 * busy, declined) puts the caller back in line as a missed <Dial> did: the agent is set away.
 */
export async function recordLegStatus(deps: ConferenceEventDeps, update: { callSid: string; status: string; missed: boolean; leg: LegContext }): Promise<void> {
  // Answered and ended legs are told by the conference's own join and leave callbacks.
  if (!update.missed) return;
  const now = new Date();
  const markFailed = async () =>
    (await deps.prisma.callLeg.updateMany({ where: { callSid: update.callSid, status: "dialing", endedAt: null }, data: { status: "failed", endedAt: now, updatedAt: now } })).count > 0;
  if (!(await markFailed())) {
    if (await deps.prisma.callLeg.findUnique({ where: { callSid: update.callSid }, select: { id: true } })) return; // a repeat
    // Faster than the app storing the leg it placed: stored here, failed (storeLeg keeps it so). A
    // monitor leg's mode is not known here; the failed leg is over whatever it was.
    const ours = await deps.prisma.callConference.findUnique({ where: { conversationId: update.leg.conversationId }, select: { conversationId: true } });
    if (!ours) return;
    const stored = await deps.prisma.callLeg
      .create({ data: { ...update.leg, callSid: update.callSid, status: "failed", endedAt: now, monitorMode: update.leg.role === "monitor" ? "listen" : null } })
      .then(() => true, (err: { code?: string }) => (err.code === "P2002" ? false : Promise.reject(err)));
    // The app stored it meanwhile (as dialing): mark that row.
    if (!stored && !(await markFailed())) return;
  }
  const leg = await deps.prisma.callLeg.findUnique({ where: { callSid: update.callSid } });
  if (!leg) return;
  if (leg.role === "monitor") return void (await publishMonitoring(deps, leg.conversationId));
  // A colleague who did not answer a consultation: the agent still has the caller, on hold.
  if (leg.role === "consult") return void (await publishConsult(deps, leg.conversationId));
  if (leg.role !== "agent") return;
  const customer = await deps.prisma.callLeg.findFirst({ where: { conversationId: leg.conversationId, role: "customer", endedAt: null } });
  if (!customer) return;
  // Only while that agent still has the call (not after a transfer moved it on).
  const conversation = await deps.prisma.conversation.findUnique({ where: { id: leg.conversationId }, select: { assignedAgentId: true } });
  if (conversation?.assignedAgentId !== leg.agentId) return;
  if (!(await requeueMissedCall(deps, customer.callSid))) return;
  await deps.voice.redirectCall(customer.callSid, deps.voice.holdTwiml(BACK_IN_LINE_GREETING)).catch((err: unknown) => {
    deps.log.warn("a caller whose agent did not answer could not be put back in Twilio's queue", { conversationId: leg.conversationId, err });
  });
}

async function roleOf(deps: Pick<ConferenceEventDeps, "prisma">, callSid: string): Promise<string | null> {
  return (await deps.prisma.callLeg.findUnique({ where: { callSid }, select: { role: true } }))?.role ?? null;
}
