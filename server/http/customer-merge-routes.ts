// Merging customers, undoing a merge, and adding a phone or email: routes validate, call, and map.
import { Router } from "express";
import { z } from "zod";
import { AddIdentityBody, MergeBody, MergePreviewQuery } from "../../shared/merge.ts";
import { addIdentity, type AddIdentityDeps } from "../domain/customers/add-identity.ts";
import { mergeCustomers } from "../domain/customers/merge-customers.ts";
import { listCustomerMerges } from "../domain/customers/merge-history.ts";
import { mergePreview } from "../domain/customers/merge-preview.ts";
import type { MergeDeps } from "../domain/customers/merge-rows.ts";
import { undoMerge } from "../domain/customers/undo-merge.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export type CustomerMergeDeps = MergeDeps & AddIdentityDeps;

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function customerMergeRouter(deps: CustomerMergeDeps): Router {
  const router = Router();
  router.get("/customers/:id/merge-preview", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { into } = parseInput(MergePreviewQuery, req.query);
    res.json({ preview: await mergePreview(deps, signedInAgent(req), { sourceId: id, targetId: into }) });
  });
  router.post("/customers/:id/merge", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { into } = parseInput(MergeBody, req.body);
    res.status(201).json({ merge: await mergeCustomers(deps, signedInAgent(req), { sourceId: id, targetId: into }) });
  });
  router.post("/customer-merges/:id/undo", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ merge: await undoMerge(deps, signedInAgent(req), id) });
  });
  router.get("/customers/:id/merges", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ merges: await listCustomerMerges(deps, signedInAgent(req), id) });
  });
  router.post("/customers/:id/identities", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.status(201).json({ identity: await addIdentity(deps, signedInAgent(req), id, parseInput(AddIdentityBody, req.body)) });
  });
  return router;
}
