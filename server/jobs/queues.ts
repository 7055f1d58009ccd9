// BullMQ queues: routing (one job per waiting conversation, by priority), offer timeouts, outbound sends,
// service-level checks (delayed, one per wait and kind) and a periodic sweep. Jobs only carry ids;
// Postgres holds the truth, so every job is idempotent.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { ServiceLevelAlertKind } from "../../shared/service-levels.ts";
import type { WorkQueues } from "../domain/work-queues.ts";

/** For jobs that must each run: two in the same millisecond (two servers, two closes) must not merge into one. */
const uniqueSuffix = () => `${Date.now()}-${randomUUID().slice(0, 8)}`;

export const QUEUE_NAMES = {
  routing: "routing",
  offerTimeouts: "offer-timeouts",
  outbound: "outbound",
  maintenance: "maintenance",
  media: "media",
  serviceLevels: "service-levels",
  followUps: "follow-ups",
  reportFacts: "report-facts",
} as const;

export type RoutingJob = { kind: "route-conversation"; conversationId: string } | { kind: "agent-may-take-work"; agentId: string };
export type OfferTimeoutJob = { offerId: string };
/** `probe`: a held message sent while its channel is failing, to learn whether it works again. */
export type OutboundJob = { messageId: string; probe?: boolean };
/** The provider-held files of one inbound message (the maintenance sweep re-queues fetches Redis lost). */
export type MediaJob = { messageId: string };
/** One wait's warning or breach check; `at` is the moment it was scheduled for (ISO times). */
export type ServiceLevelJob = { conversationId: string; kind: ServiceLevelAlertKind; waitingSince: string; at: string };

/** A reminder firing at its due time, or a snooze ending at its time (ISO times; the row in Postgres decides). */
export type FollowUpJob = { kind: "fire-reminder"; reminderId: string } | { kind: "end-snooze"; conversationId: string; until: string };

/** One job per reminder, however often it is asked for (at creation, by the sweep). */
export const reminderJobId = (reminderId: string) => `reminder-${reminderId}`;
/** One job per snooze: a conversation snoozed again until another time is another job (the old one finds nothing). */
export const snoozeJobId = (conversationId: string, until: Date) => `snooze-${conversationId}-${until.getTime()}`;

/** The job of one wait, kind and moment: asking again is a no-op; a moment moved by a queue change is a new job. */
export const serviceLevelJobId = (conversationId: string, kind: ServiceLevelAlertKind, waitingSince: Date, at: Date) =>
  `sla-${kind}-${conversationId}-${waitingSince.getTime()}-${at.getTime()}`;

/** MMS media fetches retry with back-off (1 s, 2 s, 4 s …, about a minute in all) before the file is marked unavailable. */
export const MEDIA_FETCH_ATTEMPTS = 6;

/** Transient send failures retry with exponential back-off: 2 s, 4 s, 8 s … about 4 minutes in all. */
export const OUTBOUND_ATTEMPTS = 8;
export const OUTBOUND_BACKOFF_MS = 2000;

export interface Queues extends WorkQueues {
  routing: Queue<RoutingJob>;
  offerTimeouts: Queue<OfferTimeoutJob>;
  outbound: Queue<OutboundJob>;
  maintenance: Queue;
  media: Queue<MediaJob>;
  serviceLevels: Queue<ServiceLevelJob>;
  followUps: Queue<FollowUpJob>;
  /** The reports' 15-minute sums (server/domain/reports/report-facts.ts): one job at a time, queued by a timer. */
  reportFacts: Queue;
  close(): Promise<void>;
}

const sendJobId = (messageId: string) => `send-${messageId}`;

export function createQueues(
  connection: Redis,
  prefix: string,
  opts: { outboundBackoffMs?: number; mediaBackoffMs?: number; onError?: (err: Error) => void } = {},
): Queues {
  const common = { connection, prefix: `${prefix}:bull` };
  const routing = new Queue<RoutingJob>(QUEUE_NAMES.routing, {
    ...common,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: 500 } },
  });
  const offerTimeouts = new Queue<OfferTimeoutJob>(QUEUE_NAMES.offerTimeouts, {
    ...common,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: 500 } },
  });
  const outbound = new Queue<OutboundJob>(QUEUE_NAMES.outbound, {
    ...common,
    defaultJobOptions: {
      // Completed jobs go at once, so a held message can be queued again under its own id.
      removeOnComplete: true,
      removeOnFail: 5000,
      attempts: OUTBOUND_ATTEMPTS,
      backoff: { type: "exponential", delay: opts.outboundBackoffMs ?? OUTBOUND_BACKOFF_MS },
    },
  });
  const maintenance = new Queue(QUEUE_NAMES.maintenance, { ...common, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
  const media = new Queue<MediaJob>(QUEUE_NAMES.media, {
    ...common,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: MEDIA_FETCH_ATTEMPTS, backoff: { type: "exponential", delay: opts.mediaBackoffMs ?? 1000 } },
  });
  // Its own queue: alerts fire on time even while a long sweep holds the maintenance worker, and a
  // lost-jobs test (or an operator) can clear exactly these timers.
  const serviceLevels = new Queue<ServiceLevelJob>(QUEUE_NAMES.serviceLevels, {
    ...common,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: 500 } },
  });
  // Its own queue, as serviceLevels: timers that fire on time whatever the sweep is doing.
  const followUps = new Queue<FollowUpJob>(QUEUE_NAMES.followUps, {
    ...common,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: 500 } },
  });
  // Its own queue: a long backfill must not hold the maintenance sweep.
  const reportFacts = new Queue(QUEUE_NAMES.reportFacts, { ...common, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
  // Without a listener BullMQ prints every Redis connection error; the caller decides what to log.
  for (const q of [routing, offerTimeouts, outbound, maintenance, media, serviceLevels, followUps, reportFacts] as Queue[]) q.on("error", opts.onError ?? (() => {}));

  return {
    routing,
    offerTimeouts,
    outbound,
    maintenance,
    media,
    serviceLevels,
    followUps,
    reportFacts,
    async routeConversation(conversationId, priority) {
      // The job id dedupes: a conversation has at most one routing job waiting. BullMQ ids may not hold ':'.
      await routing.add("route", { kind: "route-conversation", conversationId }, { jobId: `route-${conversationId}`, priority: Math.max(1, priority) });
    },
    async routeConversationAt(conversationId, at) {
      const delay = Math.max(0, at.getTime() - Date.now());
      await routing.add("route", { kind: "route-conversation", conversationId }, { jobId: `route-${conversationId}-at-${at.getTime()}`, delay });
    },
    async agentMayTakeWork(agentId) {
      // No priority: BullMQ runs these before any prioritized job, so freed capacity is used at once.
      await routing.add("agent", { kind: "agent-may-take-work", agentId }, { jobId: `agent-${agentId}-${uniqueSuffix()}` });
    },
    async scheduleOfferTimeout(offerId, delayMs) {
      await offerTimeouts.add("timeout", { offerId }, { jobId: `offer-${offerId}`, delay: delayMs });
    },
    async endWrapUp(agentId, delayMs) {
      await maintenance.add("end-wrap-up", { agentId }, { jobId: `wrap-up-${agentId}-${uniqueSuffix()}`, delay: delayMs, attempts: 5, backoff: { type: "exponential", delay: 500 } });
    },
    async agentDisconnected(agentId, delayMs, opts = {}) {
      // A job, not a timer in the server: it outlives the server process that saw the socket close.
      // The sweep's re-derived checks share one id per agent, so a check already waiting is not doubled.
      await maintenance.add("agent-disconnected", { agentId }, {
        jobId: opts.derived ? `disconnected-${agentId}-derived` : `disconnected-${agentId}-${uniqueSuffix()}`,
        delay: delayMs,
        attempts: 5,
        backoff: { type: "exponential", delay: 500 },
        // The last few stay visible: what a test (or an operator) reads to see that the check ran.
        removeOnComplete: 100,
      });
    },
    async sendMessage(messageId) {
      await outbound.add("send", { messageId }, { jobId: sendJobId(messageId) });
    },
    async resendMessages(messageIds) {
      for (const messageId of messageIds) {
        const job = await outbound.getJob(sendJobId(messageId));
        if (job) {
          const state = await job.getState();
          // A live job (waiting, in back-off, running) keeps the message; a failed one is replaced.
          if (state !== "failed" && state !== "completed" && state !== "unknown") continue;
          await job.remove().catch(() => {}); // removed meanwhile by its own retention: fine either way
        }
        await outbound.add("send", { messageId }, { jobId: sendJobId(messageId) });
      }
    },
    async probeChannel(messageId) {
      const jobId = `probe-${messageId}`;
      const old = await outbound.getJob(jobId);
      if (old) {
        if (!(await old.isFailed()) && !(await old.isCompleted())) return;
        await old.remove().catch(() => {});
      }
      await outbound.add("probe", { messageId, probe: true }, { jobId, attempts: 1, removeOnFail: true });
    },
    async fetchMessageMedia(messageId) {
      await media.add("fetch", { messageId }, { jobId: `media-${messageId}` });
    },
    async scheduleServiceLevelCheck(conversationId, kind, waitingSince, at) {
      await serviceLevels.add(
        kind,
        { conversationId, kind, waitingSince: waitingSince.toISOString(), at: at.toISOString() },
        { jobId: serviceLevelJobId(conversationId, kind, waitingSince, at), delay: Math.max(0, at.getTime() - Date.now()) },
      );
    },
    async scheduleReminder(reminderId, dueAt) {
      await followUps.add("reminder", { kind: "fire-reminder", reminderId }, { jobId: reminderJobId(reminderId), delay: Math.max(0, dueAt.getTime() - Date.now()) });
    },
    async forgetReminder(reminderId) {
      // A running job finishes by itself (and finds the reminder done or gone); only a waiting one is removed.
      await followUps.remove(reminderJobId(reminderId));
    },
    async scheduleSnoozeEnd(conversationId, until) {
      await followUps.add(
        "snooze",
        { kind: "end-snooze", conversationId, until: until.toISOString() },
        { jobId: snoozeJobId(conversationId, until), delay: Math.max(0, until.getTime() - Date.now()) },
      );
    },
    async close() {
      await Promise.all([routing.close(), offerTimeouts.close(), outbound.close(), maintenance.close(), media.close(), serviceLevels.close(), followUps.close(), reportFacts.close()]);
    },
  };
}
