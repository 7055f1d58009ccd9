// Waits for background work to settle, instead of sleeping and hoping "nothing more happens".
import type { JobType, Queue } from "bullmq";
import type { Queues } from "../../server/jobs/queues.ts";

type QueueName = "routing" | "offerTimeouts" | "outbound" | "maintenance" | "serviceLevels" | "followUps";

/**
 * Resolves once the named queues have no job waiting, prioritized, active or (unless ignoreDelayed)
 * delayed, seen twice in a row: a job that is running adds its follow-up jobs before it completes,
 * so a chain of work never shows all-empty in between. Defaults to routing and outbound, whose jobs
 * follow from a webhook at once (offer timeouts and wrap-up ends are delayed by design).
 */
export async function waitForQueuesToDrain(
  queues: Queues,
  opts: { names?: QueueName[]; ignoreDelayed?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const names = opts.names ?? ["routing", "outbound"];
  const states: JobType[] = ["waiting", "prioritized", "active", "waiting-children", ...(opts.ignoreDelayed ? [] : (["delayed"] as const))];
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let emptyInARow = 0;
  for (;;) {
    const counts = await Promise.all(names.map((n) => (queues[n] as Queue).getJobCounts(...states)));
    const busy = counts.some((c) => Object.values(c).some((n) => n > 0));
    emptyInARow = busy ? 0 : emptyInARow + 1;
    if (emptyInARow >= 2) return;
    if (Date.now() > deadline) throw new Error(`queues ${names.join(", ")} did not drain: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
