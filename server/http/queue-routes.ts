// The admin API of queues and entry points: queues, their members and service targets, tier
// thresholds, a customer's tier, Twilio numbers and a widget's queue. Routes validate and call one
// domain function; who may do what is decided there (server/domain/auth/permissions.ts).
import { Router } from "express";
import { z } from "zod";
import {
  CreatePhoneNumberBody,
  CreateQueueBody,
  PutQueueMembersBody,
  PutServiceTargetsBody,
  SetCustomerTierBody,
  TierThresholds,
  UpdatePhoneNumberBody,
  UpdateQueueBody,
  UpdateWidgetBody,
} from "../../shared/queues.ts";
import { rotateWidgetSecret, updateWidget } from "../domain/chat/manage-widgets.ts";
import { getTierThresholds, putTierThresholds, setCustomerTier } from "../domain/queues/customer-tiers.ts";
import { announceCustomerChanged, type CustomerDeps } from "../domain/customers/customer-profile.ts";
import { createQueue, deleteQueue, getQueue, listQueues, updateQueue } from "../domain/queues/manage-queues.ts";
import { createPhoneNumber, deletePhoneNumber, listPhoneNumbers, updatePhoneNumber } from "../domain/queues/phone-numbers.ts";
import { listQueueMembers, putQueueMembers } from "../domain/queues/queue-members.ts";
import { listServiceTargets, putServiceTargets } from "../domain/queues/service-targets.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });
const WidgetKeyParam = z.object({ publicKey: z.string().regex(/^wk_[A-Za-z0-9_-]{1,64}$/, "must be a widget key") });

export function queueRouter(deps: { publicUrl: string } & CustomerDeps): Router {
  const router = Router();

  router.get("/queues", async (req, res) => {
    res.json({ queues: await listQueues(deps, signedInAgent(req)) });
  });
  router.post("/queues", async (req, res) => {
    res.status(201).json({ queue: await createQueue(deps, signedInAgent(req), parseInput(CreateQueueBody, req.body)) });
  });
  router.get("/queues/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ queue: await getQueue(deps, signedInAgent(req), id) });
  });
  router.put("/queues/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ queue: await updateQueue(deps, signedInAgent(req), id, parseInput(UpdateQueueBody, req.body)) });
  });
  router.delete("/queues/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    await deleteQueue(deps, signedInAgent(req), id);
    res.status(204).end();
  });

  router.get("/queues/:id/members", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ members: await listQueueMembers(deps, signedInAgent(req), id) });
  });
  router.put("/queues/:id/members", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ members: await putQueueMembers(deps, signedInAgent(req), id, parseInput(PutQueueMembersBody, req.body)) });
  });
  router.get("/queues/:id/targets", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ targets: await listServiceTargets(deps, signedInAgent(req), id) });
  });
  router.put("/queues/:id/targets", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ targets: await putServiceTargets(deps, signedInAgent(req), id, parseInput(PutServiceTargetsBody, req.body)) });
  });

  router.get("/tier-thresholds", async (req, res) => {
    res.json({ thresholds: await getTierThresholds(deps, signedInAgent(req)) });
  });
  router.put("/tier-thresholds", async (req, res) => {
    res.json(await putTierThresholds(deps, signedInAgent(req), parseInput(TierThresholds, req.body)));
  });
  router.put("/customers/:id/tier", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const customer = await setCustomerTier(deps, signedInAgent(req), id, parseInput(SetCustomerTierBody, req.body));
    await announceCustomerChanged(deps, id);
    res.json({ customer });
  });

  router.get("/phone-numbers", async (req, res) => {
    res.json({ phoneNumbers: await listPhoneNumbers(deps, signedInAgent(req)) });
  });
  router.post("/phone-numbers", async (req, res) => {
    res.status(201).json({ phoneNumber: await createPhoneNumber(deps, signedInAgent(req), parseInput(CreatePhoneNumberBody, req.body)) });
  });
  router.put("/phone-numbers/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ phoneNumber: await updatePhoneNumber(deps, signedInAgent(req), id, parseInput(UpdatePhoneNumberBody, req.body)) });
  });
  router.delete("/phone-numbers/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    await deletePhoneNumber(deps, signedInAgent(req), id);
    res.status(204).end();
  });

  router.put("/widgets/:publicKey", async (req, res) => {
    const { publicKey } = parseInput(WidgetKeyParam, req.params);
    res.json({ widget: await updateWidget(deps, signedInAgent(req), publicKey, parseInput(UpdateWidgetBody, req.body)) });
  });
  router.post("/widgets/:publicKey/rotate-secret", async (req, res) => {
    const { publicKey } = parseInput(WidgetKeyParam, req.params);
    res.json({ widget: await rotateWidgetSecret(deps, signedInAgent(req), publicKey) });
  });
  return router;
}
