// Rate limits shared by every app instance through PostgreSQL (rate-limiter-flexible: a
// maintained, atomic upsert-based limiter). If the database is unreachable it falls back to an
// in-memory limiter rather than letting every request through.
import type { Pool } from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";

export interface Limiter {
  /** Counts one event for `key`; returns seconds to wait when the limit is exceeded, else null. */
  consume(key: string, points?: number): Promise<number | null>;
  /** Seconds to wait if `key` is over the limit right now, without counting anything. */
  blockedFor(key: string): Promise<number | null>;
  reset(key: string): Promise<void>;
}

export function createLimiter(
  pool: Pool,
  options: { name: string; points: number; durationSeconds: number },
): Limiter {
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    storeType: "pool",
    tableName: "rate_limits",
    tableCreated: true,
    keyPrefix: options.name,
    points: options.points,
    duration: options.durationSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: options.points, duration: options.durationSeconds }),
  });
  const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return {
    async consume(key, points = 1) {
      try {
        await limiter.consume(key, points);
        return null;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return seconds(rejection);
        throw rejection;
      }
    },
    async blockedFor(key) {
      const res = await limiter.get(key);
      return res && res.remainingPoints <= 0 ? seconds(res) : null;
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
