// Cross-site request forgery defence: a state-changing request that carries the session cookie must
// come from a page of PUBLIC_URL's own origin. Browsers send Origin on every cross-site POST (and on
// same-origin ones), so a cookie request without Origin or Referer is refused too: only a non-browser
// client sends none, and it can send the header. A same-site sibling (evil.example.com beside
// support.example.com) gets the SameSite=Lax cookie, so only the exact origin counts.
import type { IncomingHttpHeaders } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { AppError } from "../errors.ts";
import { SESSION_COOKIE, readCookie } from "./cookies.ts";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const originOf = (url: string) => new URL(url).origin;

/** The Origin header, or the origin of the Referer when a browser left Origin out. */
function requestOrigin(headers: IncomingHttpHeaders): string | null {
  if (typeof headers.origin === "string" && headers.origin !== "") return headers.origin;
  if (typeof headers.referer === "string") {
    try {
      return new URL(headers.referer).origin;
    } catch {
      return "invalid";
    }
  }
  return null;
}

export function requireSameOrigin(publicUrl: string) {
  const expected = originOf(publicUrl);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!STATE_CHANGING.has(req.method)) return next();
    const origin = requestOrigin(req.headers);
    const hasSession = readCookie(req.headers.cookie, SESSION_COOKIE) !== undefined;
    // Sign-in has no cookie yet: a script may call it without Origin, but never a foreign page.
    if (origin === expected || (origin === null && !hasSession)) return next();
    throw new AppError("FORBIDDEN", origin ? `Requests from ${origin} are not allowed` : "A signed-in request that changes something needs an Origin header");
  };
}

/**
 * The /agent socket handshake: Origin must be ours. Browsers leave Origin out only on a same-origin
 * GET (socket.io's first long-polling request), and then say so in Sec-Fetch-Site.
 */
export function socketOriginAllowed(headers: IncomingHttpHeaders, publicUrl: string): boolean {
  const origin = headers.origin;
  if (typeof origin === "string" && origin !== "") return origin === originOf(publicUrl);
  return headers["sec-fetch-site"] === "same-origin";
}
