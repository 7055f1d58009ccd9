// BullMQ queues: routing (one job per waiting conversation, by priority), offer timeouts, outbound sends
// and a periodic sweep. Jobs only carry ids; Postgres holds the truth, so every job is idempotent.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { WorkQueues } from "../domain/work-queues.ts";

export const QUEUE_NAMES = { routing: "routing", offerTimeouts: "offer-timeouts", outbound: "outbound", maintenance: "maintenance", media: "media" } as const;

export type RoutingJob = { kind: "route-conversation"; conversationId: string } | { kind: "agent-may-take-work"; agentId: string };
export type OfferTimeoutJob = { offerId: string };
export type OutboundJob = { messageId: string };
/** "fetch": the provider-held files of one inbound message; "sweep": re-queue fetches Redis lost. */
export type MediaJob = { messageId: string } | Record<string, never>;

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
  close(): Promise<void>;
}

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
      removeOnComplete: 1000,
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
  // Without a listener BullMQ prints every Redis connection error; the caller decides what to log.
  for (const q of [routing, offerTimeouts, outbound, maintenance, media] as Queue[]) q.on("error", opts.onError ?? (() => {}));

  return {
    routing,
    offerTimeouts,
    outbound,
    maintenance,
    media,
    async routeConversation(conversationId, priority) {
      // The job id dedupes: a conversation has at most one routing job waiting. BullMQ ids may not hold ':'.
      await routing.add("route", { kind: "route-conversation", conversationId }, { jobId: `route-${conversationId}`, priority: Math.max(1, priority) });
    },
    async agentMayTakeWork(agentId) {
      // No priority: BullMQ runs these before any prioritized job, so freed capacity is used at once.
      await routing.add("agent", { kind: "agent-may-take-work", agentId }, { jobId: `agent-${agentId}-${Date.now()}` });
    },
    async scheduleOfferTimeout(offerId, delayMs) {
      await offerTimeouts.add("timeout", { offerId }, { jobId: `offer-${offerId}`, delay: delayMs });
    },
    async endWrapUp(agentId, delayMs) {
      await maintenance.add("end-wrap-up", { agentId }, { jobId: `wrap-up-${agentId}-${Date.now()}`, delay: delayMs, attempts: 5, backoff: { type: "exponential", delay: 500 } });
    },
    async sendMessage(messageId) {
      await outbound.add("send", { messageId }, { jobId: `send-${messageId}` });
    },
    async fetchMessageMedia(messageId) {
      await media.add("fetch", { messageId }, { jobId: `media-${messageId}` });
    },
    async close() {
      await Promise.all([routing.close(), offerTimeouts.close(), outbound.close(), maintenance.close(), media.close()]);
    },
  };
}
