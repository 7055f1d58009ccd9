// Privacy: a customer's consent ledger (everyone reads it), their export and their erasure (admins).
// Routes validate, call one domain function, and map the result; the domain decides who may.
import { Router } from "express";
import type { Redis } from "ioredis";
import { z } from "zod";
import { EraseCustomerBody, exportFileName } from "../../shared/privacy.ts";
import type { PrismaClient } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { listConsentLedger } from "../domain/privacy/consent-ledger.ts";
import { eraseCustomer } from "../domain/privacy/erase-customer.ts";
import { exportCustomer } from "../domain/privacy/export-customer.ts";
import type pg from "pg";
import type { EventPublisher } from "../domain/events.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export interface PrivacyDeps {
  pool: pg.Pool;
  prisma: PrismaClient;
  redis: Redis;
  redisPrefix: string;
  log: Logger;
  publicUrl: string;
  sessionSecret: string;
  events: EventPublisher;
}

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function privacyRouter(deps: PrivacyDeps): Router {
  const router = Router();
  router.get("/customers/:id/consents", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ ledger: await listConsentLedger(deps, signedInAgent(req), id) });
  });
  router.get("/customers/:id/export", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const document = await exportCustomer(deps, signedInAgent(req), id);
    res.set("Content-Disposition", `attachment; filename="${exportFileName(id)}"`);
    res.type("application/json").send(JSON.stringify(document, null, 2));
  });
  router.post("/customers/:id/erase", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(EraseCustomerBody, req.body ?? {});
    res.json({ erased: await eraseCustomer(deps, signedInAgent(req), id, body) });
  });
  return router;
}
