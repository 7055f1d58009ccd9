// Liveness (the process answers) and readiness (its engines answer; 503 names what is down).
import { Router } from "express";
import type { Redis } from "ioredis";
import type pg from "pg";

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export function healthRouter(deps: { pool: pg.Pool; redis: Redis }): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const checks = await Promise.allSettled([within(deps.pool.query("SELECT 1"), 2000), within(deps.redis.ping(), 2000)]);
    const names = ["postgres", "redis"] as const;
    const result: Record<string, string> = {};
    const down: string[] = [];
    checks.forEach((c, i) => {
      result[names[i]!] = c.status === "fulfilled" ? "ok" : `down: ${(c.reason as Error).message}`;
      if (c.status === "rejected") down.push(names[i]!);
    });
    res.status(down.length ? 503 : 200).json({ status: down.length ? `not ready: ${down.join(", ")} down` : "ready", checks: result });
  });
  return router;
}
