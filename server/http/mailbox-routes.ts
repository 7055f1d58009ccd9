// The admin API of mailboxes: routes validate and call one domain function, which decides who may.
import { Router } from "express";
import { z } from "zod";
import { CreateMailboxBody, UpdateMailboxBody } from "../../shared/email.ts";
import { createMailbox, deleteMailbox, getMailbox, listMailboxes, updateMailbox, type MailboxDeps } from "../domain/mailboxes/manage-mailboxes.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function mailboxRouter(deps: MailboxDeps): Router {
  const router = Router();
  router.get("/mailboxes", async (req, res) => {
    res.json({ mailboxes: await listMailboxes(deps, signedInAgent(req)) });
  });
  router.post("/mailboxes", async (req, res) => {
    res.status(201).json({ mailbox: await createMailbox(deps, signedInAgent(req), parseInput(CreateMailboxBody, req.body)) });
  });
  router.get("/mailboxes/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ mailbox: await getMailbox(deps, signedInAgent(req), id) });
  });
  router.patch("/mailboxes/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ mailbox: await updateMailbox(deps, signedInAgent(req), id, parseInput(UpdateMailboxBody, req.body)) });
  });
  // 204 when it is gone; 200 with the mailbox when its conversations kept it (deactivated instead).
  router.delete("/mailboxes/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const result = await deleteMailbox(deps, signedInAgent(req), id);
    if (result.deleted) res.status(204).end();
    else res.json({ mailbox: result.mailbox, deactivated: true });
  });
  return router;
}
