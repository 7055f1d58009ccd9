// Domain events travel through a Redis stream, so a worker process's offer or status change reaches
// agents connected to any server process. A stream (not pub/sub) lets a server that lost Redis for a
// moment read on from its last id instead of dropping what was published meanwhile.
import { Redis } from "ioredis";
import type { DomainEvent, EventPublisher } from "../domain/events.ts";
import type { Logger } from "../log.ts";

const MAX_LEN = 100_000;

export const eventStreamKey = (prefix: string) => `${prefix}:events`;

export function createEventPublisher(redis: Redis, prefix: string): EventPublisher {
  const key = eventStreamKey(prefix);
  return {
    async publish(...events) {
      if (events.length === 0) return;
      // One event (the hot path) skips the pipeline object, which copies every Lua script BullMQ loaded.
      if (events.length === 1) {
        await redis.xadd(key, "MAXLEN", "~", MAX_LEN, "*", "e", JSON.stringify(events[0]));
        return;
      }
      const pipeline = redis.pipeline();
      for (const e of events) pipeline.xadd(key, "MAXLEN", "~", MAX_LEN, "*", "e", JSON.stringify(e));
      await pipeline.exec();
    },
  };
}

export interface EventSubscription {
  close(): Promise<void>;
}

/** Reads the stream from now on and hands each event to onEvent, in order. */
export function subscribeToEvents(
  redisUrl: string,
  prefix: string,
  onEvent: (event: DomainEvent) => void,
  log: Logger,
): EventSubscription {
  const key = eventStreamKey(prefix);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on("error", () => {}); // reconnects by itself; the loop below logs what matters
  let running = true;
  let lastId = "$";
  // After a reconnect the stream may not be the one we read: a Redis restarted empty, or a replica with
  // another clock, numbers its entries afresh, possibly below our last id, and XREAD would then wait
  // until its clock passed ours. Checked once per reconnect, before the next read.
  let reconnected = false;
  let connectedBefore = false;
  redis.on("ready", () => {
    reconnected = connectedBefore;
    connectedBefore = true;
  });
  const loop = (async () => {
    // Start from the stream's current end, then never skip: each read continues from the last id seen.
    // Until the end is known, keep asking: starting from "0-0" instead would replay the whole stream
    // (up to MAX_LEN old events) to every socket once an unreachable Redis answers again.
    while (running) {
      try {
        const tail = (await redis.xrevrange(key, "+", "-", "COUNT", 1)) as [string, string[]][];
        lastId = tail[0]?.[0] ?? "0-0";
        break;
      } catch (err) {
        log.warn("event stream unreachable; retrying", { err: (err as Error).message });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    while (running) {
      try {
        if (reconnected) {
          reconnected = false;
          const tail = (await redis.xrevrange(key, "+", "-", "COUNT", 1)) as [string, string[]][];
          // Gone: whatever the new stream gets is new. Behind us: a new stream; read on from its end
          // (the little it holds already, clients catch up by cursor), never from its start.
          if (!tail[0]) lastId = "0-0";
          else if (compareIds(tail[0][0], lastId) < 0) {
            log.warn("event stream was reset; reading on from its end", { lastId, tail: tail[0][0] });
            lastId = tail[0][0];
          }
        }
        const res = (await redis.xread("COUNT", 1000, "BLOCK", 2000, "STREAMS", key, lastId)) as [string, [string, string[]][]][] | null;
        if (!res) continue;
        for (const [, entries] of res) {
          for (const [id, fields] of entries) {
            lastId = id;
            const json = fields[1];
            if (!json) continue;
            try {
              onEvent(JSON.parse(json) as DomainEvent);
            } catch (err) {
              log.error("realtime event handler failed", { err });
            }
          }
        }
      } catch (err) {
        if (!running) break;
        log.warn("event stream read failed; retrying", { err: (err as Error).message });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    async close() {
      running = false;
      redis.disconnect();
      await loop.catch(() => {});
    },
  };
}

/** Orders two stream ids ("<ms>-<seq>"). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}
