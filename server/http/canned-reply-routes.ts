// Canned replies: routes validate and call one domain function, which decides who may.
import { Router } from "express";
import { z } from "zod";
import { CannedReplyListQuery, CreateCannedReplyBody, UpdateCannedReplyBody } from "../../shared/canned-replies.ts";
import {
  createCannedReply,
  deleteCannedReply,
  listCannedReplies,
  updateCannedReply,
  type CannedReplyDeps,
} from "../domain/canned-replies/manage-canned-replies.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function cannedReplyRouter(deps: CannedReplyDeps): Router {
  const router = Router();
  router.get("/canned-replies", async (req, res) => {
    const { channel } = parseInput(CannedReplyListQuery, req.query);
    res.json({ cannedReplies: await listCannedReplies(deps, signedInAgent(req), { channel }) });
  });
  router.post("/canned-replies", async (req, res) => {
    res.status(201).json({ cannedReply: await createCannedReply(deps, signedInAgent(req), parseInput(CreateCannedReplyBody, req.body)) });
  });
  router.patch("/canned-replies/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ cannedReply: await updateCannedReply(deps, signedInAgent(req), id, parseInput(UpdateCannedReplyBody, req.body)) });
  });
  router.delete("/canned-replies/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    await deleteCannedReply(deps, signedInAgent(req), id);
    res.status(204).end();
  });
  return router;
}
