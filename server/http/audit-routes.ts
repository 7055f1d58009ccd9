// The audit log (admins only: decided by the domain function).
import { Router } from "express";
import { AuditEventsQuery } from "../../shared/audit.ts";
import type { PrismaClient } from "../db/client.ts";
import { listAuditEvents } from "../domain/audit/list-audit-events.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export function auditRouter(deps: { prisma: PrismaClient }): Router {
  const router = Router();
  router.get("/audit-events", async (req, res) => {
    res.json(await listAuditEvents(deps, signedInAgent(req), parseInput(AuditEventsQuery, req.query)));
  });
  return router;
}
