// Follow-ups: reminders (set, list mine and a customer's, done, cancel) and snoozing a conversation.
// Routes validate and call one domain function, which decides who may.
import { Router } from "express";
import { z } from "zod";
import { CreateReminderBody, SnoozeBody } from "../../shared/follow-ups.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { cancelReminder, createReminder, customerReminders, listMyReminders, markReminderDone } from "../domain/reminders/manage-reminders.ts";
import type { RoutingDeps } from "../domain/routing/match.ts";
import { snoozeConversation, unsnoozeConversation } from "../domain/snooze/snooze-conversation.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export interface FollowUpDeps extends RoutingDeps {
  prisma: PrismaClient;
  log: Logger;
}

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function followUpRouter(deps: FollowUpDeps): Router {
  const router = Router();
  router.post("/reminders", async (req, res) => {
    res.status(201).json({ reminder: await createReminder(deps, signedInAgent(req), parseInput(CreateReminderBody, req.body)) });
  });
  router.get("/me/reminders", async (req, res) => {
    res.json(await listMyReminders(deps, signedInAgent(req)));
  });
  router.post("/reminders/:id/done", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ reminder: await markReminderDone(deps, signedInAgent(req), id) });
  });
  router.delete("/reminders/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    await cancelReminder(deps, signedInAgent(req), id);
    res.status(204).end();
  });
  router.get("/customers/:id/reminders", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ reminders: await customerReminders(deps, signedInAgent(req), id) });
  });
  router.post("/conversations/:id/snooze", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { until } = parseInput(SnoozeBody, req.body);
    res.json({ conversation: await snoozeConversation(deps, signedInAgent(req), { conversationId: id, until }) });
  });
  router.post("/conversations/:id/unsnooze", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ conversation: await unsnoozeConversation(deps, signedInAgent(req), { conversationId: id }) });
  });
  return router;
}
