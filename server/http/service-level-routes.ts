// Service-level alerts for the supervisors' board (the live ones arrive as `service_level:alert`).
import { Router } from "express";
import type { PrismaClient } from "../db/client.ts";
import { ServiceLevelAlertsQuery } from "../../shared/service-levels.ts";
import { listServiceLevelAlerts } from "../domain/service-levels/list-alerts.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export function serviceLevelRouter(deps: { prisma: PrismaClient }): Router {
  const router = Router();
  router.get("/service-level-alerts", async (req, res) => {
    const query = parseInput(ServiceLevelAlertsQuery, req.query);
    res.json({ alerts: await listServiceLevelAlerts(deps, signedInAgent(req), query) });
  });
  return router;
}
