// Waiting for background work instead of sleeping: a BullMQ queue is drained when it holds no job that
// is waiting, running or due later (completed and failed jobs are history).
import type { Queue } from "bullmq";
import { eventually } from "./test-app.ts";

export async function drained(queue: Queue, opts: { timeoutMs?: number } = {}): Promise<void> {
  await eventually(
    async () => {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      return Object.values(c).every((n) => n === 0);
    },
    { timeoutMs: opts.timeoutMs ?? 10_000 },
  );
}
