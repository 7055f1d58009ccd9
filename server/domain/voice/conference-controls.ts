// Call controls on a call that runs in a conference: hold is the caller's participant held (with
// music), a transfer places the new agent into the conference and takes the first one out, and a warm
// transfer first consults a colleague (the caller held meanwhile), then hands the caller over.
import { AppError } from "../../errors.ts";
import { agentDialTarget } from "./calls.ts";
import { legOf, storeLeg, type ConferenceDeps, type LiveConference } from "./conference-calls.ts";
import { assertCanTakeCall, reserveTransferTarget, undoTransfer } from "./transfer-target.ts";

export type ConferenceAction =
  | { action: "hold" }
  | { action: "resume" }
  | { action: "transfer"; toAgentId: string }
  | { action: "consult"; toAgentId: string }
  | { action: "complete_transfer" }
  | { action: "cancel_consult" };

type Deps = ConferenceDeps & { holdMusicUrl: string };

/** Does the action to the conference; returns the timeline's words and the agent who now has the call. */
export async function controlConference(
  deps: Deps,
  conference: LiveConference,
  opts: { conversationId: string; onCall: string } & ConferenceAction,
): Promise<{ text: string; handedOverTo: string | null }> {
  const c = deps.voice.conference;
  const sid = conference.conferenceSid;
  const customer = legOf(conference, "customer");
  if (!customer) throw new AppError("CONFLICT", "The caller is no longer in this call");
  const now = () => new Date();
  const hold = async (on: boolean) => {
    await c.setHold(sid, customer.callSid, on, deps.holdMusicUrl);
    await deps.prisma.callLeg.update({ where: { callSid: customer.callSid }, data: { onHold: on, updatedAt: now() } });
  };
  const place = async (agentId: string, role: "agent" | "consult") => {
    const callSid = await c.addParticipant(sid, {
      from: deps.businessNumber ?? "",
      to: await agentDialTarget(deps.pool, agentId),
      endConferenceOnExit: role === "agent",
      beep: false,
      leg: { conversationId: opts.conversationId, role, agentId },
    });
    await storeLeg(deps.prisma, { conversationId: opts.conversationId, callSid, role, agentId });
  };
  /** The agent who had the caller leaves without ending the call. */
  const release = async (agentId: string) => {
    const leg = legOf(conference, "agent", agentId);
    if (!leg) return;
    await c.setEndConferenceOnExit(sid, leg.callSid, false);
    await c.removeParticipant(sid, leg.callSid);
    await deps.prisma.callLeg.updateMany({ where: { callSid: leg.callSid, endedAt: null }, data: { status: "left", endedAt: now(), updatedAt: now() } });
  };
  if (!deps.businessNumber && (opts.action === "transfer" || opts.action === "consult")) {
    throw new AppError("CHANNEL_DISABLED", "The voice channel has no number to call from (TWILIO_PHONE_NUMBER)");
  }

  switch (opts.action) {
    case "hold":
      await hold(true);
      return { text: "Call on hold", handedOverTo: null };
    case "resume":
      await hold(false);
      return { text: "Call resumed", handedOverTo: null };
    case "transfer": {
      // The target's slot is taken under the routing lock before Twilio rings them (as without a conference).
      const target = await reserveTransferTarget(deps.pool, { conversationId: opts.conversationId, fromAgentId: opts.onCall, toAgentId: opts.toAgentId });
      try {
        await place(opts.toAgentId, "agent");
      } catch (err) {
        await undoTransfer(deps.pool, { conversationId: opts.conversationId, fromAgentId: opts.onCall, toAgentId: opts.toAgentId });
        throw err;
      }
      await release(opts.onCall);
      return { text: `Call transferred to ${target.name}`, handedOverTo: opts.toAgentId };
    }
    case "consult": {
      if (opts.toAgentId === opts.onCall) throw new AppError("VALIDATION", "toAgentId: this agent already has the call");
      if (legOf(conference, "consult")) throw new AppError("CONFLICT", "A consultation is already under way on this call");
      const target = await assertCanTakeCall(deps.pool, opts.toAgentId);
      await hold(true);
      try {
        await place(opts.toAgentId, "consult");
      } catch (err) {
        // Nobody to talk to: the caller is not left listening to music.
        await hold(false).catch((undo: unknown) => deps.log?.warn("the caller could not be taken off hold after a consult failed", { conversationId: opts.conversationId, err: undo }));
        throw err;
      }
      return { text: `Consulting ${target.name}; the caller is on hold`, handedOverTo: null };
    }
    case "complete_transfer": {
      const consult = legOf(conference, "consult");
      if (!consult?.agentId) throw new AppError("CONFLICT", "Nobody is being consulted on this call");
      if (consult.status !== "joined") throw new AppError("CONFLICT", "The colleague has not answered yet");
      const target = await reserveTransferTarget(deps.pool, { conversationId: opts.conversationId, fromAgentId: opts.onCall, toAgentId: consult.agentId });
      try {
        // From now their leaving ends the call, as the first agent's did.
        await c.setEndConferenceOnExit(sid, consult.callSid, true);
      } catch (err) {
        await undoTransfer(deps.pool, { conversationId: opts.conversationId, fromAgentId: opts.onCall, toAgentId: consult.agentId });
        throw err;
      }
      await deps.prisma.callLeg.update({ where: { callSid: consult.callSid }, data: { role: "agent", updatedAt: now() } });
      await release(opts.onCall);
      await hold(false);
      return { text: `Call handed over to ${target.name}`, handedOverTo: consult.agentId };
    }
    case "cancel_consult": {
      const consult = legOf(conference, "consult");
      if (!consult) throw new AppError("CONFLICT", "Nobody is being consulted on this call");
      await c.removeParticipant(sid, consult.callSid);
      await deps.prisma.callLeg.updateMany({ where: { callSid: consult.callSid, endedAt: null }, data: { status: "left", endedAt: now(), updatedAt: now() } });
      await hold(false);
      return { text: "Consultation ended; the caller is back on the line", handedOverTo: null };
    }
  }
}
