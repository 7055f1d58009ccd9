// The BullMQ workers: each job calls one domain function. Run in the server process by default,
// or as their own process (`npm run worker`) for larger sites; any number of them may run at once.
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { ChannelAdapter } from "../../channels/channel.ts";
import type { Channel } from "../../shared/domain.ts";
import type { EventPublisher } from "../domain/events.ts";
import type { PrismaClient } from "../db/client.ts";
import { deliverMessage } from "../domain/outbound/deliver-message.ts";
import { closeOffer } from "../domain/routing/answer-offer.ts";
import { offerWorkToAgent, routeConversation, type RoutingDeps } from "../domain/routing/match.ts";
import { sweepRouting } from "../domain/routing/sweep.ts";
import { sweepOutbox } from "../domain/outbound/sweep-outbox.ts";
import { raiseServiceLevelAlert } from "../domain/service-levels/raise-alert.ts";
import { sweepServiceLevels } from "../domain/service-levels/sweep-service-levels.ts";
import { watchServiceLevel } from "../domain/service-levels/watch-service-level.ts";
import { endWrapUp } from "../domain/voice/wrap-up.ts";
import { goOfflineIfAway } from "../domain/workspace/set-presence.ts";
import { countAgentSockets } from "../redis/agent-sockets.ts";
import type { Logger } from "../log.ts";
import { fetchMessageMedia, sweepPendingMedia } from "../domain/ingest/fetch-message-media.ts";
import { reportSoftphone } from "../domain/voice/softphone-readiness.ts";
import { fireReminder, sweepReminders } from "../domain/reminders/fire-reminder.ts";
import { endSnooze, sweepSnoozes } from "../domain/snooze/wake-snoozed.ts";
import { buildReportFacts } from "../domain/reports/report-facts.ts";
import { startJobTimer, startSweepTimer } from "./sweep-timer.ts";
import { queueLostDisconnectChecks } from "./sweep-presence.ts";
import { QUEUE_NAMES, type FollowUpJob, type MediaJob, type OfferTimeoutJob, type OutboundJob, type Queues, type RoutingJob, type ServiceLevelJob } from "./queues.ts";

export interface WorkerDeps extends RoutingDeps {
  prisma: PrismaClient;
  events: EventPublisher;
  queues: Queues;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  log: Logger;
  sweepEveryMs: number;
  /** How often the reports' 15-minute sums are brought up to date (REPORT_FACTS_EVERY_SECONDS). */
  reportFactsEveryMs: number;
  wrapUpMs: number;
  /** How long an outbound attempt holds its message: longer than the provider call's timeout. */
  sendLeaseMs: number;
  /** Lock of a running job: past it without a heartbeat (the worker died), the job runs again. */
  lockDurationMs?: number;
  /** How long an agent with no socket left keeps their presence before going offline. */
  disconnectGraceMs: number;
  publicUrl: string;
  /** Signs the links of stored files (MMS media). */
  sessionSecret: string;
}

/** Routing jobs one process runs at once: each is mostly waiting on PostgreSQL and Redis round trips. */
const ROUTING_CONCURRENCY = 4;

export interface Workers {
  close(): Promise<void>;
}

export async function startWorkers(connection: Redis, prefix: string, deps: WorkerDeps): Promise<Workers> {
  const common = { connection, prefix: `${prefix}:bull` };
  // Matches lock one conversation and one agent's load row each, so several run side by side; the match's
  // own order (earliest due first) decides which work an agent gets, not the order jobs run in.
  const routing = new Worker<RoutingJob>(
    QUEUE_NAMES.routing,
    async (job) => {
      if (job.data.kind === "route-conversation") {
        const offerId = await routeConversation(deps, job.data.conversationId);
        // Every path that starts or moves a wait routes it: arm its warning and breach (a no-op if armed).
        await watchServiceLevel(deps, job.data.conversationId);
        return offerId;
      }
      return offerWorkToAgent(deps, job.data.agentId);
    },
    { ...common, concurrency: ROUTING_CONCURRENCY },
  );
  const offerTimeouts = new Worker<OfferTimeoutJob>(
    QUEUE_NAMES.offerTimeouts,
    async (job) => closeOffer(deps, { offerId: job.data.offerId, status: "timed_out" }),
    { ...common, concurrency: 4 },
  );
  const outbound = new Worker<OutboundJob>(
    QUEUE_NAMES.outbound,
    async (job: Job<OutboundJob>) => {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return deliverMessage(deps, { messageId: job.data.messageId, finalAttempt, probe: job.data.probe ?? false });
    },
    // Stalled sends (a dead worker) run again after the lock: the outbox then looks the message up first.
    { ...common, concurrency: 8, ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs, stalledInterval: deps.lockDurationMs } : {}) },
  );
  const maintenance = new Worker(
    QUEUE_NAMES.maintenance,
    async (job) => {
      if (job.name === "end-wrap-up") return endWrapUp(deps, (job.data as { agentId: string }).agentId);
      if (job.name === "agent-disconnected") {
        const { agentId } = job.data as { agentId: string };
        if ((await countAgentSockets(connection, prefix, agentId)) > 0) return;
        // Its softphone went with the last tab: calls must not ring there any more.
        await reportSoftphone(deps, { agentId, registered: false });
        await goOfflineIfAway(deps, agentId);
        return;
      }
      return {
        routing: await sweepRouting(deps),
        outbox: await sweepOutbox(deps),
        media: await sweepPendingMedia(deps),
        disconnectChecks: await queueLostDisconnectChecks(deps, connection, prefix, deps.disconnectGraceMs),
        serviceLevels: await sweepServiceLevels(deps),
        reminders: await sweepReminders(deps),
        snoozes: await sweepSnoozes(deps),
      };
    },
    { ...common, concurrency: 1 },
  );
  const media = startMediaWorker(common, deps);
  const serviceLevels = startServiceLevelWorker(common, deps);
  const followUps = startFollowUpWorker(common, deps);
  // One run at a time per process (the builder's advisory lock keeps it to one across processes); a
  // run stops after its budget, well inside the interval, and the next goes on from where it stopped.
  const reportFacts = new Worker(
    QUEUE_NAMES.reportFacts,
    async () => buildReportFacts(deps, { budgetMs: Math.max(1000, Math.floor(deps.reportFactsEveryMs / 2)) }),
    { ...common, concurrency: 1 },
  );

  const all = [routing, offerTimeouts, outbound, maintenance, media, serviceLevels, followUps, reportFacts];
  for (const w of all) {
    w.on("failed", (job, err) => {
      const final = job && job.attemptsMade >= (job.opts.attempts ?? 1);
      deps.log[final ? "error" : "warn"](`${w.name} job failed${final ? " for good" : "; will retry"}`, { jobId: job?.id, err: err.message });
    });
    w.on("error", (err) => deps.log.error(`${w.name} worker error`, { err: err.message }));
  }
  await Promise.all(all.map((w) => w.waitUntilReady()));
  const sweepTimer = await startSweepTimer(connection, prefix, deps.queues.maintenance, { everyMs: deps.sweepEveryMs, log: deps.log });
  const factsTimer = startJobTimer(connection, prefix, deps.queues.reportFacts, { everyMs: deps.reportFactsEveryMs, log: deps.log, job: "report-facts", jobId: "report-facts" });
  return {
    async close() {
      sweepTimer.stop();
      factsTimer.stop();
      await Promise.all(all.map((w) => w.close()));
    },
  };
}

/** MMS media fetches (the maintenance sweep re-queues fetches that Redis lost). */
function startMediaWorker(common: { connection: Redis; prefix: string }, deps: WorkerDeps): Worker<MediaJob> {
  const worker = new Worker<MediaJob>(
    QUEUE_NAMES.media,
    async (job: Job<MediaJob>) => {
      const { messageId } = job.data;
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const { retry } = await fetchMessageMedia(deps, { messageId, finalAttempt });
      // Thrown so that BullMQ tries again with back-off; the file stays "pending" until then.
      if (retry) throw new Error(`media of message ${messageId} not fetched yet: ${retry}`);
      return null;
    },
    { ...common, concurrency: 4 },
  );
  return worker;
}

/** The delayed warning and breach checks (the maintenance sweep raises those Redis lost). */
function startServiceLevelWorker(common: { connection: Redis; prefix: string }, deps: WorkerDeps): Worker<ServiceLevelJob> {
  return new Worker<ServiceLevelJob>(
    QUEUE_NAMES.serviceLevels,
    async (job: Job<ServiceLevelJob>) => {
      const { conversationId, kind, waitingSince, at } = job.data;
      const result = await raiseServiceLevelAlert(deps, { conversationId, kind, waitingSince: new Date(waitingSince), scheduledFor: new Date(at) });
      // Fired before its moment by the database's clock: BullMQ tries again after its back-off.
      if (result.outcome === "not_due") throw new Error(`${kind} of conversation ${conversationId} not due until ${result.at.toISOString()}`);
      return result.outcome;
    },
    { ...common, concurrency: 4 },
  );
}

/** Reminders firing and snoozes ending at their time (the maintenance sweep catches those Redis lost). */
function startFollowUpWorker(common: { connection: Redis; prefix: string }, deps: WorkerDeps): Worker<FollowUpJob> {
  return new Worker<FollowUpJob>(
    QUEUE_NAMES.followUps,
    async (job: Job<FollowUpJob>) => {
      const result = job.data.kind === "fire-reminder"
        ? await fireReminder(deps, job.data.reminderId)
        : await endSnooze(deps, { conversationId: job.data.conversationId, until: new Date(job.data.until) });
      // Ran before its moment by the database's clock: BullMQ tries again after its back-off.
      if (result.outcome === "not_due") throw new Error(`${job.data.kind} ${job.id} not due until ${result.at.toISOString()}`);
      return result.outcome;
    },
    { ...common, concurrency: 4 },
  );
}
