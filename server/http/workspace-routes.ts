// The agent workspace's REST API. Routes validate, call one domain function, and map the result.
import { Router } from "express";
import { z } from "zod";
import { AgentStatesQuery, CreateAwayReasonBody, MoveToQueueBody, UpdateAwayReasonBody } from "../../shared/api.ts";
import { CallControlBody, ConfirmForwardPhoneBody, SetForwardPhoneBody, SoftphoneStateBody, CreateAgentBody, UpdateAgentBody, CreateWidgetBody, SendReplyBody, WrapUpBody, SetPresenceBody, TimelineChangesQuery, TimelineQuery, type ChannelState } from "../../shared/api.ts";
import { Channel } from "../../shared/domain.ts";
import { AppError } from "../errors.ts";
import { sendReply, type SendReplyDeps } from "../domain/outbound/send-reply.ts";
import { failingChannels } from "../domain/outbound/channel-health.ts";
import { acceptOffer, closeOffer } from "../domain/routing/answer-offer.ts";
import { moveToQueue } from "../domain/routing/move-to-queue.ts";
import { softphoneToken } from "../domain/voice/softphone.ts";
import { connectAcceptedCall } from "../domain/voice/connect-accepted-call.ts";
import { reportSoftphone } from "../domain/voice/softphone-readiness.ts";
import { finishWrapUp } from "../domain/voice/wrap-up.ts";
import { clickToCall } from "../domain/voice/outbound-calls.ts";
import { controlCall } from "../domain/voice/call-controls.ts";
import { currentConsult } from "../domain/voice/consult-state.ts";
import { HOLD_MUSIC_URL } from "./twilio-webhooks.ts";
import type { VoiceAdapter } from "../../channels/voice/voice-adapter.ts";
import type { RoutingDeps } from "../domain/routing/match.ts";
import { conversationWithCustomer, myWork } from "../domain/workspace/read-work.ts";
import { timelineChanges, timelinePage } from "../domain/workspace/timeline.ts";
import { createWidget, listWidgets } from "../domain/chat/manage-widgets.ts";
import { createAgent, listAgents, listTransferTargets, setAgentForwardPhone, updateAgent } from "../domain/workspace/manage-agents.ts";
import { clearOwnForwardPhone, confirmForwardPhone, requestForwardPhoneCode } from "../domain/workspace/forward-phone.ts";
import type { SmsAdapter } from "../../channels/sms/sms-adapter.ts";
import { resolveConversation } from "../domain/workspace/resolve-conversation.ts";
import { setPresence } from "../domain/workspace/set-presence.ts";
import { agentStateHistory, createAwayReason, listAwayReasons, updateAwayReason } from "../domain/workspace/agent-states.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";
import type { PrismaClient } from "../db/client.ts";

export interface WorkspaceDeps extends RoutingDeps, SendReplyDeps {
  prisma: PrismaClient;
  publicUrl: string;
  voice: VoiceAdapter | null;
  /** Sends the code that confirms an agent's forward phone. */
  sms: SmsAdapter | null;
  softphone: Parameters<typeof softphoneToken>[0];
  businessNumber: string | null;
  defaultCountry: string;
}

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

// Who may do what is decided by the domain functions (server/domain/auth/permissions.ts), not here:
// the routes pass the signed-in agent as the actor.
export function workspaceRouter(deps: WorkspaceDeps): Router {
  const router = Router();

  const channels = async (): Promise<ChannelState[]> => {
    const failing = await failingChannels(deps.pool);
    return Channel.options.map((channel) => {
      const s = deps.channelState(channel);
      return { channel, enabled: s.enabled, reason: s.enabled ? null : s.reason, failing: (s.enabled && failing.find((f) => f.channel === channel)) || null };
    });
  };

  router.get("/me", async (req, res) => {
    res.json({ agent: signedInAgent(req), channels: await channels() });
  });
  router.put("/me/presence", async (req, res) => {
    const { presence, awayReasonId } = parseInput(SetPresenceBody, req.body);
    res.json({ agent: await setPresence(deps, { agentId: signedInAgent(req).id, presence, awayReasonId }) });
  });

  router.get("/away-reasons", async (req, res) => {
    res.json({ awayReasons: await listAwayReasons(deps, signedInAgent(req), { includeRetired: req.query.all === "true" }) });
  });
  router.post("/away-reasons", async (req, res) => {
    res.status(201).json({ awayReason: await createAwayReason(deps, signedInAgent(req), parseInput(CreateAwayReasonBody, req.body)) });
  });
  router.patch("/away-reasons/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ awayReason: await updateAwayReason(deps, signedInAgent(req), id, parseInput(UpdateAwayReasonBody, req.body)) });
  });
  router.get("/agents/:id/states", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { from, to } = parseInput(AgentStatesQuery, req.query);
    res.json({ periods: await agentStateHistory(deps, signedInAgent(req), { agentId: id, from, to }) });
  });
  // null clears the forward phone at once; a number is only set once the code sent to it is confirmed.
  router.put("/me/phone", async (req, res) => {
    const { phone } = parseInput(SetForwardPhoneBody, req.body);
    const actor = signedInAgent(req);
    if (phone === null) return void res.json({ agent: await clearOwnForwardPhone(deps, actor) });
    res.status(202).json({ verification: await requestForwardPhoneCode(deps, { actor, phone }) });
  });
  router.post("/me/phone/confirm", async (req, res) => {
    const { code } = parseInput(ConfirmForwardPhoneBody, req.body);
    res.json({ agent: await confirmForwardPhone(deps, { actor: signedInAgent(req), code }) });
  });
  router.get("/me/work", async (req, res) => {
    res.json(await myWork(deps, signedInAgent(req).id));
  });
  router.put("/me/softphone", async (req, res) => {
    const { registered } = parseInput(SoftphoneStateBody, req.body);
    await reportSoftphone(deps, { agentId: signedInAgent(req).id, registered });
    res.status(204).end();
  });
  router.get("/voice/token", (req, res) => {
    res.json(softphoneToken(deps.softphone, signedInAgent(req).id));
  });
  router.get("/channels", async (_req, res) => {
    res.json({ channels: await channels() });
  });

  router.post("/offers/:id/accept", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const agentId = signedInAgent(req).id;
    const conversation = await acceptOffer(deps, { offerId: id, agentId });
    // A call is still on hold at Twilio: now it rings the agent's softphone (or back in line if it cannot).
    if (conversation.channel === "voice") await connectAcceptedCall(deps, { conversationId: conversation.id, agentId });
    res.json({ conversation });
  });
  router.post("/offers/:id/reject", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const closed = await closeOffer(deps, { offerId: id, status: "rejected", agentId: signedInAgent(req).id });
    if (!closed) throw new AppError("CONFLICT", "This offer is no longer pending");
    res.status(204).end();
  });

  router.get("/conversations/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json(await conversationWithCustomer(deps, id));
  });
  router.post("/conversations/:id/resolve", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ conversation: await resolveConversation(deps, { conversationId: id, actor: signedInAgent(req) }) });
  });
  router.post("/conversations/:id/queue", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { queueId } = parseInput(MoveToQueueBody, req.body);
    res.json({ conversation: await moveToQueue(deps, signedInAgent(req), { conversationId: id, queueId }) });
  });
  router.post("/conversations/:id/call", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const control = parseInput(CallControlBody, req.body);
    res.json({ conversation: await controlCall({ ...deps, holdMusicUrl: HOLD_MUSIC_URL }, { conversationId: id, actor: signedInAgent(req), ...control }) });
  });
  // Where a warm transfer's consultation stands (reading is open to every agent, as the call itself is).
  router.get("/conversations/:id/consult", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ conversationId: id, consult: await currentConsult(deps.prisma, id) });
  });
  router.post("/conversations/:id/wrap-up", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(WrapUpBody, req.body);
    res.json({ conversation: await finishWrapUp(deps, { conversationId: id, actor: signedInAgent(req), ...body }) });
  });
  router.post("/conversations/:id/messages", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(SendReplyBody, req.body);
    const message = await sendReply(deps, { conversationId: id, actor: signedInAgent(req), ...body });
    res.status(201).json({ message });
  });

  router.get("/transfer-targets", async (req, res) => {
    res.json({ agents: await listTransferTargets(deps, signedInAgent(req)) });
  });
  router.get("/agents", async (req, res) => {
    res.json({ agents: await listAgents(deps, signedInAgent(req)) });
  });
  router.post("/agents", async (req, res) => {
    res.status(201).json({ agent: await createAgent(deps, signedInAgent(req), parseInput(CreateAgentBody, req.body)) });
  });
  router.patch("/agents/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ agent: await updateAgent(deps, signedInAgent(req), id, parseInput(UpdateAgentBody, req.body)) });
  });
  router.put("/agents/:id/phone", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { phone } = parseInput(SetForwardPhoneBody, req.body);
    res.json({ agent: await setAgentForwardPhone(deps, { actor: signedInAgent(req), agentId: id, phone, defaultCountry: deps.defaultCountry }) });
  });

  router.get("/widgets", async (req, res) => {
    res.json({ widgets: await listWidgets(deps, signedInAgent(req)) });
  });
  router.post("/widgets", async (req, res) => {
    res.status(201).json({ widget: await createWidget(deps, signedInAgent(req), parseInput(CreateWidgetBody, req.body)) });
  });

  router.post("/customers/:id/calls", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.status(201).json({ conversation: await clickToCall(deps, { customerId: id, agentId: signedInAgent(req).id }) });
  });
  router.get("/customers/:id/timeline", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { before, limit, channel, kind } = parseInput(TimelineQuery, req.query);
    res.json(await timelinePage(deps, signedInAgent(req), { customerId: id, before, limit, filter: { channel, kind } }));
  });
  router.get("/customers/:id/timeline/changes", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { since, channel, kind } = parseInput(TimelineChangesQuery, req.query);
    res.json(await timelineChanges(deps, signedInAgent(req), { customerId: id, since, filter: { channel, kind } }));
  });
  return router;
}
