// Fixed-window counters in Redis: shared by every server process, so limits hold behind a load balancer.
import type { Redis } from "ioredis";
import type { RateLimiter } from "../domain/auth/sessions.ts";

export function createRateLimiter(redis: Redis, prefix: string): RateLimiter {
  const k = (key: string) => `${prefix}:rl:${key}`;
  return {
    async hit(key, limit, windowSeconds) {
      const [[, count], , [, ttl]] = (await redis
        .multi()
        .incr(k(key))
        .expire(k(key), windowSeconds, "NX")
        .ttl(k(key))
        .exec()) as [[null, number], [null, number], [null, number]];
      return { allowed: count <= limit, retryAfterSeconds: count <= limit ? 0 : Math.max(ttl, 1) };
    },
    async peek(key, limit) {
      const [count, ttl] = await Promise.all([redis.get(k(key)), redis.ttl(k(key))]);
      const n = Number(count ?? 0);
      return { allowed: n < limit, retryAfterSeconds: n < limit ? 0 : Math.max(ttl, 1) };
    },
    async reset(key) {
      await redis.del(k(key));
    },
  };
}
