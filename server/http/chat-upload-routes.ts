// POST /chat/uploads: a chat visitor's file, over HTTP rather than the socket, so that the socket's
// frames stay small for everyone. Who may upload is checked before a byte of the body is read
// (widget key, page origin, signed visitor token, rate limits); a declared size over the limit is
// refused at once, and a streamed body is cut off at the limit. The message then names the upload.
import { Router, type Request, type Response } from "express";
import { CHAT_UPLOAD_HEADERS, CHAT_UPLOAD_PATH } from "../../shared/chat.ts";
import type { RateLimiter } from "../domain/auth/sessions.ts";
import { storeVisitorUpload, type UploadLimits } from "../domain/chat/attachments.ts";
import { findWidget } from "../domain/chat/chat-visitor.ts";
import { verifyVisitorToken } from "../domain/chat/visitor-token.ts";
import type pg from "pg";
import { AppError } from "../errors.ts";
import { readLimitedBody } from "./read-body.ts";

export interface ChatUploadDeps {
  pool: pg.Pool;
  sessionSecret: string;
  uploads: UploadLimits;
  limiter: RateLimiter;
}

const UPLOADS_PER_VISITOR = { limit: 10, windowSeconds: 60 };
const UPLOADS_PER_ADDRESS = { limit: 60, windowSeconds: 60 };

/** The widget runs on other sites: the browser asks first. No cookies, so any origin may ask; the POST is checked. */
function allowCrossOrigin(req: Request, res: Response): void {
  const origin = req.get("origin");
  if (!origin) return;
  res.set({
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": ["content-type", ...Object.values(CHAT_UPLOAD_HEADERS)].join(", "),
    "Access-Control-Max-Age": "600",
    Vary: "Origin",
  });
}

export function chatUploadRouter(deps: ChatUploadDeps): Router {
  const router = Router();

  router.options(CHAT_UPLOAD_PATH, (req, res) => {
    allowCrossOrigin(req, res);
    res.status(204).end();
  });

  router.post(CHAT_UPLOAD_PATH, async (req: Request, res: Response) => {
    allowCrossOrigin(req, res);
    const widgetKey = req.get(CHAT_UPLOAD_HEADERS.widgetKey) ?? "";
    const token = req.get(CHAT_UPLOAD_HEADERS.visitorToken) ?? "";
    if (widgetKey.length < 8 || widgetKey.length > 100 || token.length > 500) throw new AppError("UNAUTHENTICATED", "An upload needs the widget key and the visitor token");
    const widget = await findWidget(deps.pool, widgetKey);
    if (!widget) throw new AppError("NOT_FOUND", "This widget key is not known to this Switchboard");
    const origin = req.get("origin");
    if (!origin || !widget.allowed_origins.includes(origin)) throw new AppError("FORBIDDEN", `The site ${origin ?? "(no origin)"} may not use this widget`);
    const visitorId = verifyVisitorToken(deps.sessionSecret, widget.public_key, token);
    if (!visitorId) throw new AppError("UNAUTHENTICATED", "The visitor token is not valid: reconnect the chat");
    for (const [key, rule] of [[`chat:upload:visitor:${visitorId}`, UPLOADS_PER_VISITOR], [`chat:upload:address:${req.ip}`, UPLOADS_PER_ADDRESS]] as const) {
      const hit = await deps.limiter.hit(key, rule.limit, rule.windowSeconds);
      if (!hit.allowed) throw new AppError("RATE_LIMITED", `You are sending files too fast; try again in ${hit.retryAfterSeconds} s`, { retryAfterSeconds: hit.retryAfterSeconds });
    }
    let name: string;
    try {
      name = decodeURIComponent(req.get(CHAT_UPLOAD_HEADERS.fileName) ?? "").replaceAll("\0", "").trim();
    } catch {
      throw new AppError("VALIDATION", `${CHAT_UPLOAD_HEADERS.fileName}: not URI-encoded`);
    }
    if (!name || name.length > 200) throw new AppError("VALIDATION", `${CHAT_UPLOAD_HEADERS.fileName}: a file name of 1 to 200 characters is needed`);
    const contentType = (req.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const data = await readLimitedBody(req, deps.uploads.maxBytes);
    const upload = await storeVisitorUpload(deps, { visitorId, name, contentType, data });
    res.status(201).json({ upload });
  });
  return router;
}
