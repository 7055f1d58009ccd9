// Listen, whisper and barge (supervisors and admins; the domain decides): start or change one's
// monitoring of a call, stop it, and who monitors a call now.
import { Router } from "express";
import { z } from "zod";
import { MonitorBody } from "../../shared/call-monitor.ts";
import { currentMonitors, monitorCall, stopMonitoring, type MonitorDeps } from "../domain/voice/monitor-call.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function callMonitorRouter(deps: MonitorDeps): Router {
  const router = Router();
  router.post("/conversations/:id/monitor", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(MonitorBody, req.body ?? {});
    res.json({ monitors: await monitorCall(deps, { conversationId: id, actor: signedInAgent(req), ...body }) });
  });
  router.delete("/conversations/:id/monitor", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ monitors: await stopMonitoring(deps, { conversationId: id, actor: signedInAgent(req) }) });
  });
  router.get("/conversations/:id/monitors", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    res.json({ monitors: await currentMonitors(deps, id, signedInAgent(req)) });
  });
  return router;
}
