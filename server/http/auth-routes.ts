// Sign-in, sign-out and the session middleware that guards /api (who may do what is the domain's: auth/permissions.ts).
import { Router, type NextFunction, type Request, type Response } from "express";
import type { AgentView } from "../../shared/api.ts";
import { LoginBody } from "../../shared/api.ts";
import { AppError } from "../errors.ts";
import { authenticateSession, login, logout, type AuthDeps } from "../domain/auth/sessions.ts";
import { SESSION_COOKIE, readCookie } from "./cookies.ts";
import { parseInput } from "./validate.ts";

declare module "express-serve-static-core" {
  interface Request {
    agent?: AgentView;
    /** The signed-in session's id (the token's hash). */
    sessionId?: string;
  }
}

export function authRouter(deps: AuthDeps & { secureCookies: boolean }): Router {
  const router = Router();
  router.post("/login", async (req, res) => {
    const body = parseInput(LoginBody, req.body);
    const { agent, token, expiresAt } = await login(deps, { ...body, address: req.ip ?? "unknown" });
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", secure: deps.secureCookies, path: "/", expires: expiresAt });
    res.json({ agent });
  });
  router.post("/logout", async (req, res) => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token) await logout(deps, token);
    res.clearCookie(SESSION_COOKIE, { path: "/" });
    res.status(204).end();
  });
  return router;
}

/** Every /api route below this needs a signed-in agent. */
export function requireSession(deps: Pick<AuthDeps, "pool">) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const session = await authenticateSession(deps, readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) throw new AppError("UNAUTHENTICATED", "Please sign in");
    req.agent = session.agent;
    req.sessionId = session.sessionId;
    next();
  };
}

export function signedInAgent(req: Request): AgentView {
  if (!req.agent) throw new AppError("UNAUTHENTICATED", "Please sign in");
  return req.agent;
}
