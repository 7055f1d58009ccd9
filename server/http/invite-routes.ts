// Invite links: admins invite an agent (POST /api/agent-invites); the invited person, not yet signed in,
// sets their password with the link's token (POST /api/auth/accept-invite, limited per address).
import { Router } from "express";
import { AcceptInviteBody, InviteAgentBody } from "../../shared/invites.ts";
import type { PrismaClient } from "../db/client.ts";
import { acceptInvite, inviteAgent } from "../domain/auth/invites.ts";
import type { RateLimiter } from "../domain/auth/sessions.ts";
import { AppError } from "../errors.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

// A person sets their password once; a few retries for typos, and no walking through tokens.
const ACCEPTS_PER_ADDRESS = { limit: 20, windowSeconds: 15 * 60 };

type Deps = { prisma: PrismaClient; publicUrl: string; limiter: RateLimiter };

/** Mounted before the session check: the invited person has no session yet. */
export function acceptInviteRouter(deps: Deps): Router {
  const router = Router();
  router.post("/accept-invite", async (req, res) => {
    const hit = await deps.limiter.hit(`invite:address:${req.ip ?? "unknown"}`, ACCEPTS_PER_ADDRESS.limit, ACCEPTS_PER_ADDRESS.windowSeconds);
    if (!hit.allowed) throw new AppError("RATE_LIMITED", `Too many tries; wait ${hit.retryAfterSeconds} s`, { retryAfterSeconds: hit.retryAfterSeconds });
    res.json(await acceptInvite(deps, parseInput(AcceptInviteBody, req.body)));
  });
  return router;
}

export function inviteRouter(deps: Deps): Router {
  const router = Router();
  router.post("/agent-invites", async (req, res) => {
    res.status(201).json(await inviteAgent(deps, signedInAgent(req), parseInput(InviteAgentBody, req.body)));
  });
  return router;
}
