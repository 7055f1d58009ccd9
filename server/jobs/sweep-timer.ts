// What starts the periodic sweep. Not a BullMQ job scheduler: that lives only in Redis and vanishes
// with it (a restart without persistence, a failover), and the sweep that re-derives everything else
// would then never run again until a process restart. Instead each worker process keeps a timer, and a
// short Redis lock lets one of them per interval queue the sweep job; a Redis that lost the lock simply
// lets the next tick take it again. Nothing to re-create. The report facts job is started the same way.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";

/** The name of the BullMQ job scheduler earlier versions kept in Redis; removed at start. */
const OLD_SCHEDULER_ID = "sweep-routing";

export interface SweepTimer {
  stop(): void;
}

export async function startSweepTimer(
  redis: Redis,
  prefix: string,
  maintenance: Queue,
  opts: { everyMs: number; log: Logger },
): Promise<SweepTimer> {
  // A deployment upgraded from the scheduler would otherwise sweep twice per interval.
  await maintenance.removeJobScheduler(OLD_SCHEDULER_ID).catch(() => {});
  return startJobTimer(redis, prefix, maintenance, { ...opts, job: "sweep" });
}

/**
 * The same for any periodic job: every `everyMs` one process queues `job` on `queue`. With one job id
 * (`jobId`, removed however it ends), a run still going when the next is due is not doubled.
 */
export function startJobTimer(
  redis: Redis,
  prefix: string,
  queue: Queue,
  opts: { everyMs: number; log: Logger; job: string; jobId?: string },
): SweepTimer {
  const lockKey = opts.job === "sweep" ? `${prefix}:sweep-lock` : `${prefix}:${opts.job}-lock`;
  // A little under the interval, so the next tick (of whichever process) finds it free despite drift.
  const lockMs = Math.max(1, Math.floor(opts.everyMs * 0.9));
  let inFlight = false;
  const tick = async () => {
    // While Redis is down commands wait in ioredis's queue: one tick at a time, not a pile of them.
    if (inFlight) return;
    inFlight = true;
    try {
      const won = await redis.set(lockKey, String(process.pid), "PX", lockMs, "NX");
      if (won) await queue.add(opts.job, {}, opts.jobId ? { jobId: opts.jobId, removeOnComplete: true, removeOnFail: true } : { removeOnComplete: true, removeOnFail: 100 });
    } catch (err) {
      opts.log.warn(`could not queue the ${opts.job}; the next tick tries again`, { err: (err as Error).message });
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.everyMs);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
