// The customer record: read it, rename or tag it, and the notes about the customer (not one conversation).
import { Router } from "express";
import { z } from "zod";
import { AddCustomerNoteBody, UpdateCustomerBody } from "../../shared/customers.ts";
import { assertCan } from "../domain/auth/permissions.ts";
import { addCustomerNote, listCustomerNotes, loadCustomer, updateCustomer, type CustomerDeps } from "../domain/customers/customer-profile.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function customerRouter(deps: CustomerDeps): Router {
  const router = Router();
  router.get("/customers/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    assertCan(signedInAgent(req), "conversation.read");
    res.json({ customer: await loadCustomer(deps, id) });
  });
  router.patch("/customers/:id", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ customer: await updateCustomer(deps, signedInAgent(req), id, parseInput(UpdateCustomerBody, req.body)) });
  });
  router.get("/customers/:id/notes", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ notes: await listCustomerNotes(deps, signedInAgent(req), id) });
  });
  router.post("/customers/:id/notes", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const { body } = parseInput(AddCustomerNoteBody, req.body);
    res.status(201).json({ note: await addCustomerNote(deps, signedInAgent(req), id, body) });
  });
  return router;
}
