// Liveness (the process answers) and readiness (its engines answer; 503 names what is down).
import { Router } from "express";
import type { Redis } from "ioredis";
import type pg from "pg";
import { mailboxHealthSummary, type MailboxHealthSummary } from "../domain/mailboxes/mailbox-credentials.ts";
import { failingChannels } from "../domain/outbound/channel-health.ts";

const mailboxState = (m: MailboxHealthSummary) =>
  m.state === "failing" ? `failing${m.since ? ` since ${m.since}` : ""}${m.reason ? `: ${m.reason}` : ""}` : m.state;

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
    if (down.length) {
      res.status(503).json({ status: `not ready: ${down.join(", ")} down`, checks: result });
      return;
    }
    // A failing channel or mailbox does not make this process unready (another would fare no better), but says so.
    const [failing, mailboxHealth] = await Promise.all([failingChannels(deps.pool), mailboxHealthSummary(deps.pool)]);
    const channels = Object.fromEntries(failing.map((f) => [f.channel, `failing since ${f.since}: ${f.errorCode ? `${f.errorCode} ` : ""}${f.reason ?? ""}`.trim()]));
    const mailboxes = Object.fromEntries(mailboxHealth.map((m) => [m.name, mailboxState(m)]));
    const degraded = [...failing.map((f) => f.channel), ...mailboxHealth.filter((m) => m.state === "failing").map((m) => `mailbox ${m.name}`)];
    res.json({ status: degraded.length ? `ready, degraded: ${degraded.join(", ")} failing` : "ready", checks: result, channels, mailboxes });
  });
  return router;
}
