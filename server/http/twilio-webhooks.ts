// Twilio's webhooks. Each checks X-Twilio-Signature against PUBLIC_URL + path first (403, nothing
// stored), then validates (400 with the reason), and answers 2xx only after the commit.
import express, { Router, type Request, type Response } from "express";
import type { SmsAdapter } from "../../channels/sms/sms-adapter.ts";
import { InboundParseError } from "../../channels/sms/inbound.ts";
import type { IngestDeps } from "../domain/ingest/ingest-inbound.ts";
import { ingestInbound } from "../domain/ingest/ingest-inbound.ts";
import { applyStatus } from "../domain/outbound/deliver-message.ts";
import type { Logger } from "../log.ts";

export interface TwilioWebhookDeps extends IngestDeps {
  sms: SmsAdapter | null;
  log: Logger;
}

/** A repeated key becomes an array, as Twilio's signature check expects. */
function parseForm(text: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function twilioWebhookRouter(deps: TwilioWebhookDeps): Router {
  const router = Router();
  // Twilio posts flat form fields; URLSearchParams reads them at a fraction of qs's cost (hot path).
  router.use(express.text({ type: "application/x-www-form-urlencoded", limit: "64kb" }));
  router.use((req, _res, next) => {
    req.body = parseForm(typeof req.body === "string" ? req.body : "");
    next();
  });

  const reject = (res: Response, status: number, message: string) => res.status(status).type("text/plain").send(message);

  /** Returns the adapter when the request may proceed; otherwise has answered already. */
  const verified = (req: Request, res: Response): SmsAdapter | null => {
    const sms = deps.sms;
    if (!sms) {
      reject(res, 503, "The SMS channel is not configured on this Switchboard");
      return null;
    }
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!sms.verifySignature(req.originalUrl, params, req.get("x-twilio-signature"))) {
      deps.log.warn("twilio webhook with a missing or wrong signature", { path: req.originalUrl, ip: req.ip });
      reject(res, 403, "Invalid or missing X-Twilio-Signature");
      return null;
    }
    return sms;
  };

  router.post("/sms", async (req, res) => {
    const sms = verified(req, res);
    if (!sms) return;
    let event;
    try {
      event = sms.parseInbound(req.body as Record<string, unknown>);
    } catch (err) {
      if (err instanceof InboundParseError) return reject(res, 400, `Malformed SMS webhook: ${err.message}`);
      throw err;
    }
    await ingestInbound(deps, event);
    res.type("text/xml").send(sms.emptyReply());
  });

  router.post("/sms/status", async (req, res) => {
    const sms = verified(req, res);
    if (!sms) return;
    const messageId = typeof req.query.messageId === "string" && UUID.test(req.query.messageId) ? req.query.messageId : null;
    let update;
    try {
      update = sms.parseStatus(req.body as Record<string, unknown>, messageId);
    } catch (err) {
      if (err instanceof InboundParseError) return reject(res, 400, `Malformed status callback: ${err.message}`);
      throw err;
    }
    if (update) await applyStatus(deps, update, "sms");
    res.status(204).end();
  });

  return router;
}
