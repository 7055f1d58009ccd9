// The agent workspace's REST API. Routes validate, call one domain function, and map the result.
import { Router } from "express";
import { z } from "zod";
import { CallControlBody, SetForwardPhoneBody, SoftphoneStateBody, CreateAgentBody, CreateWidgetBody, SendReplyBody, UpdateQueueBody, WrapUpBody, SetPresenceBody, TimelineChangesQuery, TimelineQuery, type ChannelState } from "../../shared/api.ts";
import { Channel } from "../../shared/domain.ts";
import { AppError } from "../errors.ts";
import { sendReply, type SendReplyDeps } from "../domain/outbound/send-reply.ts";
import { acceptOffer, closeOffer } from "../domain/routing/answer-offer.ts";
import { softphoneToken } from "../domain/voice/softphone.ts";
import { connectAcceptedCall } from "../domain/voice/connect-accepted-call.ts";
import { reportSoftphone } from "../domain/voice/softphone-readiness.ts";
import { finishWrapUp } from "../domain/voice/wrap-up.ts";
import { clickToCall } from "../domain/voice/outbound-calls.ts";
import { controlCall } from "../domain/voice/call-controls.ts";
import { HOLD_MUSIC_URL } from "./twilio-webhooks.ts";
import type { VoiceAdapter } from "../../channels/voice/voice-adapter.ts";
import type { RoutingDeps } from "../domain/routing/match.ts";
import { conversationWithCustomer, myWork, timelineChanges, timelinePage } from "../domain/workspace/read-work.ts";
import { createWidget, listWidgets } from "../domain/chat/manage-widgets.ts";
import { createAgent, listAgents, listTransferTargets, setForwardPhone } from "../domain/workspace/manage-agents.ts";
import { listQueues, updateQueue } from "../domain/workspace/manage-queues.ts";
import { resolveConversation } from "../domain/workspace/resolve-conversation.ts";
import { setPresence } from "../domain/workspace/set-presence.ts";
import { requireRole, signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export interface WorkspaceDeps extends RoutingDeps, SendReplyDeps {
  publicUrl: string;
  voice: VoiceAdapter | null;
  softphone: Parameters<typeof softphoneToken>[0];
  businessNumber: string | null;
  defaultCountry: string;
}

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });
const ANY_ROLE = requireRole("agent", "supervisor", "admin");

export function workspaceRouter(deps: WorkspaceDeps): Router {
  const router = Router();
  router.use(ANY_ROLE);

  const channels = (): ChannelState[] =>
    Channel.options.map((channel) => {
      const s = deps.channelState(channel);
      return { channel, enabled: s.enabled, reason: s.enabled ? null : s.reason };
    });

  router.get("/me", (req, res) => {
    res.json({ agent: signedInAgent(req), channels: channels() });
  });
  router.put("/me/presence", async (req, res) => {
    const { presence } = parseInput(SetPresenceBody, req.body);
    res.json({ agent: await setPresence(deps, { agentId: signedInAgent(req).id, presence }) });
  });
  router.put("/me/phone", async (req, res) => {
    const { phone } = parseInput(SetForwardPhoneBody, req.body);
    res.json({ agent: await setForwardPhone(deps, { agentId: signedInAgent(req).id, phone, defaultCountry: deps.defaultCountry }) });
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
  router.get("/channels", (_req, res) => {
    res.json({ channels: channels() });
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
    res.json({ conversation: await resolveConversation(deps, { conversationId: id, agentId: signedInAgent(req).id }) });
  });
  router.post("/conversations/:id/call", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const control = parseInput(CallControlBody, req.body);
    res.json({ conversation: await controlCall({ ...deps, holdMusicUrl: HOLD_MUSIC_URL }, { conversationId: id, agentId: signedInAgent(req).id, ...control }) });
  });
  router.post("/conversations/:id/wrap-up", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(WrapUpBody, req.body);
    res.json({ conversation: await finishWrapUp(deps, { conversationId: id, agentId: signedInAgent(req).id, ...body }) });
  });
  router.post("/conversations/:id/messages", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(SendReplyBody, req.body);
    const message = await sendReply(deps, { conversationId: id, agentId: signedInAgent(req).id, ...body });
    res.status(201).json({ message });
  });

  router.get("/transfer-targets", async (req, res) => {
    res.json({ agents: await listTransferTargets(deps, signedInAgent(req).id) });
  });
  router.get("/agents", requireRole("supervisor", "admin"), async (_req, res) => {
    res.json({ agents: await listAgents(deps) });
  });
  router.post("/agents", requireRole("admin"), async (req, res) => {
    res.status(201).json({ agent: await createAgent(deps, parseInput(CreateAgentBody, req.body)) });
  });

  router.get("/queues", async (_req, res) => {
    res.json({ queues: await listQueues(deps) });
  });
  router.put("/queues/:id", requireRole("admin"), async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ queue: await updateQueue(deps, id, parseInput(UpdateQueueBody, req.body)) });
  });
  router.get("/widgets", requireRole("admin"), async (_req, res) => {
    res.json({ widgets: await listWidgets(deps) });
  });
  router.post("/widgets", requireRole("admin"), async (req, res) => {
    res.status(201).json({ widget: await createWidget(deps, parseInput(CreateWidgetBody, req.body)) });
  });

  router.post("/customers/:id/calls", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.status(201).json({ conversation: await clickToCall(deps, { customerId: id, agentId: signedInAgent(req).id }) });
  });
  router.get("/customers/:id/timeline", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const q = parseInput(TimelineQuery, req.query);
    res.json(await timelinePage(deps, { customerId: id, ...q }));
  });
  router.get("/customers/:id/timeline/changes", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { since } = parseInput(TimelineChangesQuery, req.query);
    res.json(await timelineChanges(deps, { customerId: id, since }));
  });
  return router;
}
