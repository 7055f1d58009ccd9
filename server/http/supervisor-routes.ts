// The supervisor's actions from the live board: take, reassign or move a conversation; change an
// agent's state or sign them out. Routes validate and call one domain function, which authorises.
import { Router } from "express";
import { z } from "zod";
import { ReassignConversationBody, SupervisorMoveBody, SupervisorSetStateBody, TakeConversationBody } from "../../shared/supervision.ts";
import type { PrismaClient } from "../db/client.ts";
import { reassignConversation, takeConversation, type SupervisionDeps } from "../domain/supervision/assign-conversation.ts";
import { superviseMove } from "../domain/supervision/move-conversation.ts";
import { setAgentState, signOutAgent } from "../domain/supervision/supervise-agent.ts";
import { signedInAgent } from "./auth-routes.ts";
import { HOLD_MUSIC_URL } from "./twilio-webhooks.ts";
import { parseInput } from "./validate.ts";

export type SupervisorRouteDeps = Omit<SupervisionDeps, "holdMusicUrl"> & { prisma: PrismaClient };

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function supervisorRouter(routeDeps: SupervisorRouteDeps): Router {
  const deps = { ...routeDeps, holdMusicUrl: HOLD_MUSIC_URL };
  const router = Router();

  router.post("/supervisor/conversations/:id/take", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { fromAgentId } = parseInput(TakeConversationBody, req.body ?? {});
    res.json({ conversation: await takeConversation(deps, signedInAgent(req), { conversationId: id, fromAgentId }) });
  });
  router.post("/supervisor/conversations/:id/reassign", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(ReassignConversationBody, req.body);
    res.json({ conversation: await reassignConversation(deps, signedInAgent(req), { conversationId: id, ...body }) });
  });
  router.post("/supervisor/conversations/:id/move", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(SupervisorMoveBody, req.body);
    res.json({ conversation: await superviseMove(deps, signedInAgent(req), { conversationId: id, ...body }) });
  });
  router.post("/supervisor/agents/:id/state", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(SupervisorSetStateBody, req.body);
    res.json({ agent: await setAgentState(deps, signedInAgent(req), { agentId: id, ...body }) });
  });
  router.post("/supervisor/agents/:id/sign-out", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json(await signOutAgent(deps, signedInAgent(req), { agentId: id }));
  });
  return router;
}
