// Email and consent from the workspace: start an email thread with a customer; record their consent.
import { Router } from "express";
import { z } from "zod";
import { Channel } from "../../shared/domain.ts";
import { StartEmailBody } from "../../shared/email.ts";
import { startEmail } from "../domain/email/start-email.ts";
import { setConsent } from "../domain/workspace/set-consent.ts";
import type { WorkspaceDeps } from "./workspace-routes.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const ConsentParams = z.object({ id: z.string().uuid("must be a valid id"), channel: Channel });
const ConsentBody = z.object({ status: z.enum(["opted_in", "opted_out"]) }).strict();

export function emailRouter(deps: WorkspaceDeps): Router {
  const router = Router();
  router.post("/emails", async (req, res) => {
    res.status(201).json({ conversation: await startEmail(deps, signedInAgent(req), parseInput(StartEmailBody, req.body)) });
  });
  router.put("/customers/:id/consents/:channel", async (req, res) => {
    const { id, channel } = parseInput(ConsentParams, req.params);
    const { status } = parseInput(ConsentBody, req.body);
    res.json({ consent: await setConsent(deps, signedInAgent(req), { customerId: id, channel, status }) });
  });
  return router;
}
