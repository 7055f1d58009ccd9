// Service-level alerts survive the workers stopping (the delayed jobs wait in Redis for the next ones)
// and Redis losing their jobs (the maintenance sweep raises them from Postgres), shared/DESIGN.md invariant 7.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepServiceLevels } from "../server/domain/service-levels/sweep-service-levels.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard, type Switchboard } from "../server/switchboard.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { delayedCheckIds, kindsOf, serviceLevelHelpers } from "./support/service-levels.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

describe("service-level alerts when workers restart or Redis loses their jobs", () => {
  let t: TestApp;
  let h: ReturnType<typeof serviceLevelHelpers>;
  let supportId: string;
  let supervisor: Awaited<ReturnType<typeof h.alertSocket>>;
  const workers: Switchboard[] = [];
  /** A worker process's worth of BullMQ workers on the test app's database and Redis. */
  const startWorkers = async () => {
    const w = await startSwitchboard({ config: t.config, log: createLogger("error"), serveHttp: false, sweepEveryMs: 600_000 });
    workers.push(w);
    return w;
  };
  const stopWorkers = async () => {
    for (const w of workers.splice(0)) await w.close();
  };

  beforeAll(async () => {
    // This server runs no workers: the test starts and stops them.
    t = await startTestApp({ start: { runWorkers: false } });
    h = serviceLevelHelpers(t);
    supportId = (await createQueue(t.pool, { name: "Support" })).id;
    supervisor = await h.alertSocket((await createAgent(t.pool, { role: "supervisor" })).email);
  });
  afterAll(async () => {
    await stopWorkers();
    await t?.close();
  });

  it("alerts pending when the workers stop still fire once from the workers that follow", async () => {
    // Long enough that the first workers stop before the warning is due, even on a busy machine.
    await h.setTarget(supportId, "gold", 4);
    const first = await startWorkers();
    const c = await h.textIn("gold");
    await eventually(async () => (await delayedCheckIds(t)).filter((id) => id.includes(c.id)).length === 2);
    await first.close();
    expect(await h.alertsOf(c.id)).toEqual([]);

    await startWorkers();
    await eventually(async () => (await h.alertsOf(c.id)).length === 2, { timeoutMs: 10_000 });
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing", "serviceLevels"] });
    expect((await h.alertsOf(c.id)).map((r) => [r.kind, r.tier])).toEqual([["warning", "gold"], ["breach", "gold"]]);
    await eventually(async () => kindsOf(supervisor.alerts, c.id).length === 2);
    expect(kindsOf(supervisor.alerts, c.id)).toEqual(["warning", "breach"]);
    await stopWorkers();
  });

  it("the sweep raises the alerts whose delayed jobs Redis lost", async () => {
    await h.setTarget(supportId, "platinum", 1);
    await startWorkers();
    const c = await h.textIn("platinum");
    await eventually(async () => (await delayedCheckIds(t)).filter((id) => id.includes(c.id)).length === 2);
    // The workers stop and Redis loses the delayed jobs; the due time passes meanwhile.
    await stopWorkers();
    await t.sb.queues.serviceLevels.obliterate({ force: true });
    expect(await delayedCheckIds(t)).toEqual([]);
    await eventually(async () => (await t.pool.query(`SELECT now() > due_at AS past FROM conversations WHERE id = $1`, [c.id])).rows[0].past, { timeoutMs: 5000 });

    const deps = { pool: t.pool, queues: t.sb.queues, events: t.sb.events };
    expect(await sweepServiceLevels(deps, { graceSeconds: 0 })).toBe(2);
    expect(await sweepServiceLevels(deps, { graceSeconds: 0 })).toBe(0);
    const rows = await h.alertsOf(c.id);
    expect(rows.map((r) => [r.kind, r.tier])).toEqual([["warning", "platinum"], ["breach", "platinum"]]);
    expect(rows.every((r) => r.late_ms >= 0)).toBe(true);
    await eventually(async () => kindsOf(supervisor.alerts, c.id).length === 2);
  });

  it("the maintenance sweep raises them: its result counts them", async () => {
    await h.setTarget(supportId, "standard", 1);
    // Offered, not queued: the routing sweep leaves it alone, so only the service-level sweep can raise these.
    const c = await h.waitedSince(supportId, 20, { status: "offered" });
    // Queued before the workers start, so it runs before the sweep their timer queues.
    const job = await t.sb.queues.maintenance.add("sweep", {}, { removeOnComplete: false });
    await startWorkers();
    const done = await eventually(async () => {
      const j = await t.sb.queues.maintenance.getJob(job.id!);
      return j?.finishedOn ? j : null;
    }, { timeoutMs: 10_000 });
    expect(done.returnvalue).toMatchObject({ serviceLevels: 2 });
    expect((await h.alertsOf(c.id)).map((r) => r.kind)).toEqual(["warning", "breach"]);
    await stopWorkers();
  });
});
