// When each benchmark action became a domain event: the app publishes every event to a Redis stream right
// after its transaction commits (server/realtime/event-bus.ts), and a stream entry's id is the Redis
// server's clock in ms (this machine's clock, as the screens' receive times are). Read beside the app, the
// stream gives each action its event time, so "event → screen" leaves out the action's own handling
// before it committed (the webhook's or the REST call's work), which is not the board's.
import { Redis } from "ioredis";
import type { DomainEvent } from "../server/domain/events.ts";
import { eventStreamKey } from "../server/realtime/event-bus.ts";
import type { BoardAction } from "./board-latency.ts";

export interface StreamedEvent {
  at: number;
  event: DomainEvent;
}

export interface EventRecorder {
  stop(): Promise<StreamedEvent[]>;
}

export function recordEvents(redisUrl: string, prefix: string): EventRecorder {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const key = eventStreamKey(prefix);
  const events: StreamedEvent[] = [];
  let running = true;
  const loop = (async () => {
    let lastId = "$";
    while (running) {
      const reply = (await redis.xread("COUNT", 1000, "BLOCK", 200, "STREAMS", key, lastId)) as [string, [string, string[]][]][] | null;
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          lastId = id;
          events.push({ at: Number(id.split("-")[0]), event: JSON.parse(fields[1]!) as DomainEvent });
        }
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      redis.disconnect();
      return events;
    },
  };
}

/** Whether `e` is the event that made action `a` happen (the first such event after its send). */
function madeBy(a: BoardAction, e: DomainEvent): boolean {
  switch (a.kind) {
    case "presence":
      return e.type === "agent.updated" && e.agent.id === a.agentId && e.agent.presence === a.value;
    case "text":
      return (e.type === "conversation.updated" && e.conversation.customerAddress === a.address)
        || (e.type === "offer.created" && e.offer.conversation.customerAddress === a.address);
    case "accept":
      return e.type === "conversation.updated" && e.conversation.id === a.value && e.conversation.assignedAgentId === a.agentId;
    case "resolve":
      return e.type === "conversation.updated" && e.conversation.id === a.value && e.conversation.status !== "assigned";
  }
}

/** Sets each action's `eventAt` from the stream; returns how many actions had no event found. */
export function stampEventTimes(actions: BoardAction[], events: StreamedEvent[]): number {
  let unmatched = 0;
  for (const a of actions) {
    const from = Math.floor(a.sentAt);
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.at < from) lo = mid + 1;
      else hi = mid;
    }
    let found: StreamedEvent | undefined;
    for (let i = lo; i < events.length && events[i]!.at - from < 30_000; i++) {
      if (madeBy(a, events[i]!.event)) {
        found = events[i];
        break;
      }
    }
    if (found) a.eventAt = found.at;
    else unmatched++;
  }
  return unmatched;
}
