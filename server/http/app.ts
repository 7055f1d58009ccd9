// The express app: webhooks, the workspace API, health, and the built client.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Redis } from "ioredis";
import { AppError, toErrorBody } from "../errors.ts";
import type { AuthDeps } from "../domain/auth/sessions.ts";
import type { MailboxDeps } from "../domain/mailboxes/manage-mailboxes.ts";
import { readAttachment, verifyAttachmentSignature } from "../domain/chat/attachments.ts";
import type { Logger } from "../log.ts";
import { accountRouter } from "./account-routes.ts";
import { authRouter, requireSession, signedInAgent } from "./auth-routes.ts";
import type { TrustProxy } from "./client-address.ts";
import { requireSameOrigin } from "./origin-check.ts";
import { cleanText } from "./clean-text.ts";
import { jsonBody } from "./read-body.ts";
import { mailboxRouter } from "./mailbox-routes.ts";
import { cannedReplyRouter } from "./canned-reply-routes.ts";
import { queueRouter } from "./queue-routes.ts";
import { emailRouter } from "./email-routes.ts";
import { noteRouter } from "./note-routes.ts";
import { followUpRouter } from "./follow-up-routes.ts";
import { customerRouter } from "./customer-routes.ts";
import { acceptInviteRouter, inviteRouter } from "./invite-routes.ts";
import { auditRouter } from "./audit-routes.ts";
import { chatUploadRouter, type ChatUploadDeps } from "./chat-upload-routes.ts";
import { emailContentRouter } from "./email-content-routes.ts";
import { healthRouter } from "./health-routes.ts";
import { serviceLevelRouter } from "./service-level-routes.ts";
import { boardRouter } from "./board-routes.ts";
import { reportRouter } from "./report-routes.ts";
import { twilioWebhookRouter, type TwilioWebhookDeps } from "./twilio-webhooks.ts";
import { workspaceRouter, type WorkspaceDeps } from "./workspace-routes.ts";
import { callMonitorRouter } from "./call-monitor-routes.ts";
import { searchRouter } from "./search-routes.ts";
import { supervisorRouter } from "./supervisor-routes.ts";
import { privacyRouter, type PrivacyDeps } from "./privacy-routes.ts";
import { customerMergeRouter, type CustomerMergeDeps } from "./customer-merge-routes.ts";

export const CLIENT_DIST = fileURLToPath(new URL("../../dist/client", import.meta.url));
export const WIDGET_BUNDLE = fileURLToPath(new URL("../../dist/widget/widget.js", import.meta.url));

export interface HttpDeps extends WorkspaceDeps, TwilioWebhookDeps, AuthDeps, ChatUploadDeps, MailboxDeps, CustomerMergeDeps, PrivacyDeps {
  sessionSecret: string;
  redis: Redis;
  log: Logger;
  secureCookies: boolean;
  trustProxy: TrustProxy;
  /** Changes one signed-in agent may make per minute (API_WRITES_PER_MINUTE). */
  apiWritesPerMinute: number;
}

export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // No ETag hashing of every answer: webhook replies and API JSON are never revalidated by clients.
  app.set("etag", false);
  // req.ip is the client's address as TRUST_PROXY says to read it (limits key on it); sockets use the same.
  app.set("trust proxy", deps.trustProxy.trust);

  app.use("/webhooks/twilio", twilioWebhookRouter(deps));
  app.use(healthRouter(deps));
  app.use(chatUploadRouter(deps));

  const api = express.Router();
  api.use(requireSameOrigin(deps.publicUrl));
  // Over 100 kB is refused (413) from Content-Length before reading, or once that much has streamed in.
  api.use(jsonBody({ limit: 100 * 1024, reviver: (_key, value) => (typeof value === "string" ? cleanText(value) : value) }));
  api.use((req, res, next) => {
    // The API is JSON for signed-in agents; nothing here may be cached by a shared proxy.
    res.set("Cache-Control", "no-store");
    next();
  });
  api.use("/auth", authRouter(deps));
  api.use("/auth", acceptInviteRouter(deps));
  api.use(requireSession(deps));
  // Every change a signed-in agent makes counts against one budget: far above what a person does, it
  // stops a stuck script or a stolen session from flooding notes, tags, reminders or merges.
  api.use(async (req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") return next();
    const hit = await deps.limiter.hit(`api-writes:agent:${signedInAgent(req).id}`, deps.apiWritesPerMinute, 60);
    if (!hit.allowed) throw new AppError("RATE_LIMITED", `Too many changes; try again in ${hit.retryAfterSeconds} s`, { retryAfterSeconds: hit.retryAfterSeconds });
    next();
  });
  api.use(accountRouter(deps));
  api.use(workspaceRouter(deps));
  api.use(callMonitorRouter(deps));
  api.use(searchRouter(deps));
  api.use(privacyRouter(deps));
  api.use(customerMergeRouter(deps));
  api.use(queueRouter(deps));
  api.use(emailRouter(deps));
  api.use(noteRouter(deps));
  api.use(followUpRouter(deps));
  api.use(customerRouter(deps));
  api.use(inviteRouter(deps));
  api.use(auditRouter(deps));
  api.use(mailboxRouter(deps));
  api.use(cannedReplyRouter(deps));
  api.use(serviceLevelRouter(deps));
  api.use(boardRouter(deps));
  api.use(supervisorRouter(deps));
  api.use(reportRouter(deps));
  api.use(emailContentRouter(deps));
  api.use((_req, _res) => {
    throw new AppError("NOT_FOUND", "No such API route");
  });
  app.use("/api", api);

  // The chat widget a business embeds in its own site: any page may load the script; the socket
  // then refuses origins its widget key does not allow.
  app.get("/widget.js", (_req, res) => {
    if (!existsSync(WIDGET_BUNDLE)) throw new AppError("NOT_FOUND", "The chat widget is not built yet: run npm run build");
    res.sendFile(WIDGET_BUNDLE, { maxAge: "5m", headers: { "Content-Type": "text/javascript; charset=utf-8" } });
  });

  // Customer files by their signed link: served so that no file can run as a page of ours.
  app.get("/files/:id/:sig", async (req, res) => {
    const { id, sig } = req.params;
    if (!/^[0-9a-f-]{36}$/.test(id) || !verifyAttachmentSignature(deps.sessionSecret, id, sig)) throw new AppError("NOT_FOUND", "No such file");
    const file = await readAttachment(deps.pool, id);
    if (!file) throw new AppError("NOT_FOUND", "No such file");
    const inline = file.contentType.startsWith("image/");
    res.set({
      "Content-Type": file.contentType === "text/plain" ? "text/plain; charset=utf-8" : file.contentType,
      "Content-Disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": "private, max-age=86400",
    });
    res.send(file.data);
  });

  if (existsSync(CLIENT_DIST)) {
    app.use(express.static(CLIENT_DIST, { index: false, maxAge: "1h" }));
    app.get("/{*splat}", (_req, res) => res.sendFile("index.html", { root: CLIENT_DIST, maxAge: 0 }));
  } else {
    app.get("/", (_req, res) => {
      res.status(503).type("text/plain").send("The workspace is not built yet: run `npm run build` (npm start does it for you).");
    });
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // express.json, text and raw report a body they refuse as a 4xx error with `type`.
    const e = err as { status?: number; type?: string; message?: string };
    if (e && typeof e.status === "number" && e.status >= 400 && e.status < 500 && e.type) {
      if (e.status === 413) {
        // The rest of the body is never read: close the connection rather than drain it.
        res.set("Connection", "close");
        res.status(413).json({ error: { code: "TOO_LARGE", message: `The request body is too large: ${e.message}` } });
        return;
      }
      res.status(e.status).json({ error: { code: "VALIDATION", message: `Malformed request body: ${e.message}` } });
      return;
    }
    const { status, body } = toErrorBody(err);
    if (status === 413) res.set("Connection", "close");
    // An AppError is an answer we chose (e.g. 503 for a channel that is off); anything else is a bug.
    if (status >= 500 && !(err instanceof AppError)) deps.log.error("request failed", { method: req.method, path: req.originalUrl, err });
    if (body.error.code === "RATE_LIMITED") {
      const wait = (body.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (wait) res.set("Retry-After", String(wait));
    }
    res.status(status).json(body);
  });
  return app;
}
