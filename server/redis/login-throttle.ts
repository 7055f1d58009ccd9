// Sign-in throttling after rate-limiter-flexible's login recipe: failed passwords only are counted,
// per account and address together (a stranger cannot lock a person out from somewhere else) and per
// address (slow brute force across accounts). Past the free tries each guess waits a growing delay
// (OWASP: throttle, do not lock out). Every attempt reserves its failure atomically in Redis before
// the password is checked, and gives it back on success, so parallel guesses cannot slip past.
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface LoginAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

export type LoginAdmission = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfterSeconds: number };

export interface LoginThrottle {
  /** Before a password is checked. `agentId` is null for an unknown email (counted by address only). */
  begin(opts: { agentId: string | null; address: string }): Promise<LoginAdmission>;
  /** Forgets an account's failures from every address (an admin's unlock); returns how many were cleared. */
  unlock(agentId: string): Promise<number>;
}

export interface LoginLimits {
  /** Consecutive failures per account and address before delays start. */
  freeFailures: number;
  /** The longest delay between guesses on one account from one address. */
  maxDelaySeconds: number;
  /** Failures per address per window, whatever the accounts (many agents may share one office address). */
  addressFailures: number;
  addressWindowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { freeFailures: 5, maxDelaySeconds: 15 * 60, addressFailures: 100, addressWindowSeconds: 60 * 60 };

/** 1 s after the last free failure, then 2 s, 4 s, … up to the limit. */
export const delayAfterFailure = (failures: number, limits: LoginLimits) =>
  Math.min(2 ** Math.max(0, failures - limits.freeFailures), limits.maxDelaySeconds);

const secondsOf = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

export function createLoginThrottle(redis: Redis, prefix: string, limits: LoginLimits = DEFAULT_LOGIN_LIMITS): LoginThrottle {
  const common = { storeClient: redis, inMemoryBlockOnConsumed: 0 };
  const accountPrefix = `${prefix}:login-fails`;
  // Consecutive failures of one account from one address: kept a day, cleared by a success.
  const failures = new RateLimiterRedis({ ...common, keyPrefix: accountPrefix, points: 1_000_000, duration: 24 * 60 * 60 });
  // Past the free failures, one guess at a time, and only once the delay since the last one is over.
  const gate = new RateLimiterRedis({ ...common, keyPrefix: `${prefix}:login-gate`, points: 1, duration: 60 });
  const byAddress = new RateLimiterRedis({ ...common, keyPrefix: `${prefix}:login-fails-address`, points: limits.addressFailures, duration: limits.addressWindowSeconds });

  return {
    async begin({ agentId, address }) {
      const accountKey = agentId ? `${agentId}@${address}` : null;
      const addressCount = await byAddress.penalty(address);
      if (addressCount.consumedPoints > limits.addressFailures) {
        await byAddress.reward(address);
        return { allowed: false, retryAfterSeconds: secondsOf(addressCount) };
      }
      let failuresSoFar = 0;
      if (accountKey) {
        failuresSoFar = (await failures.penalty(accountKey)).consumedPoints - 1;
        if (failuresSoFar >= limits.freeFailures) {
          try {
            await gate.consume(accountKey);
          } catch (err) {
            if (!(err instanceof RateLimiterRes)) throw err;
            await Promise.all([failures.reward(accountKey), byAddress.reward(address)]);
            return { allowed: false, retryAfterSeconds: secondsOf(err) };
          }
        }
      }
      return {
        allowed: true,
        attempt: {
          async succeeded() {
            await byAddress.reward(address);
            if (accountKey) await Promise.all([failures.delete(accountKey), gate.delete(accountKey)]);
          },
          async failed() {
            // The reserved failures stay counted; from the last free one on, the next guess waits.
            const count = failuresSoFar + 1;
            if (accountKey && count >= limits.freeFailures) await gate.block(accountKey, delayAfterFailure(count, limits));
          },
        },
      };
    },
    async unlock(agentId) {
      let cleared = 0;
      for (const pattern of [`${accountPrefix}:${agentId}@*`, `${prefix}:login-gate:${agentId}@*`]) {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
          cursor = next;
          if (keys.length) cleared += await redis.del(...keys);
        } while (cursor !== "0");
      }
      return cleared;
    },
  };
}
