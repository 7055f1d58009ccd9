// After an erasure: Redis holds no records, but its event stream (server/realtime/event-bus.ts, up to
// 100,000 recent domain events) carries message bodies and names for live delivery, and the chat limits
// are keyed by visitor id. Entries that mention the customer or one of their addresses are deleted.
import type { Redis } from "ioredis";

const PAGE = 1000;

export async function scrubRedis(
  deps: { redis: Redis; redisPrefix: string },
  opts: { ids: string[]; visitorIds: string[]; needles: string[] },
): Promise<{ streamEntries: number; keys: number }> {
  const key = `${deps.redisPrefix}:events`;
  const marks = [...opts.ids, ...opts.needles].filter((s) => s.length >= 3).map((s) => s.toLowerCase());
  let streamEntries = 0;
  let start = "-";
  for (;;) {
    const page = (await deps.redis.xrange(key, start, "+", "COUNT", PAGE)) as [string, string[]][];
    const doomed = page.filter(([, fields]) => fields.some((f) => marks.some((m) => f.toLowerCase().includes(m)))).map(([id]) => id);
    if (doomed.length) streamEntries += await deps.redis.xdel(key, ...doomed);
    if (page.length < PAGE) break;
    start = `(${page[page.length - 1]![0]}`;
  }
  let keys = 0;
  for (const visitorId of opts.visitorIds) {
    let cursor = "0";
    do {
      const [next, found] = await deps.redis.scan(cursor, "MATCH", `${deps.redisPrefix}:rl:*${visitorId.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 1000);
      cursor = next;
      if (found.length) keys += await deps.redis.del(...found);
    } while (cursor !== "0");
  }
  return { streamEntries, keys };
}
