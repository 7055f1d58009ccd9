// Accounts: an agent changes their own password; admins deactivate, reactivate and unlock agents.
import { Router } from "express";
import { z } from "zod";
import { ChangePasswordBody } from "../../shared/api.ts";
import { changePassword, deactivateAgent, reactivateAgent, unlockAgent } from "../domain/auth/manage-accounts.ts";
import type { RoutingDeps } from "../domain/routing/match.ts";
import type { LoginThrottle } from "../redis/login-throttle.ts";
import type { PrismaClient } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function accountRouter(deps: RoutingDeps & { prisma: PrismaClient; loginThrottle: LoginThrottle }): Router {
  const router = Router();
  router.post("/me/password", async (req, res) => {
    const body = parseInput(ChangePasswordBody, req.body);
    if (!req.sessionId) throw new AppError("UNAUTHENTICATED", "Please sign in");
    await changePassword(deps, { agentId: signedInAgent(req).id, sessionId: req.sessionId, ...body });
    res.status(204).end();
  });
  // Only admins manage accounts: checked by the domain functions (auth/permissions.ts).
  router.post("/agents/:id/deactivate", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ agent: await deactivateAgent(deps, { actor: signedInAgent(req), agentId: id }) });
  });
  router.post("/agents/:id/reactivate", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ agent: await reactivateAgent(deps, { actor: signedInAgent(req), agentId: id }) });
  });
  router.post("/agents/:id/unlock", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json(await unlockAgent(deps, { actor: signedInAgent(req), agentId: id }));
  });
  return router;
}
