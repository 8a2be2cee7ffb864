// Growing delays between failed password checks, kept in PostgreSQL (sign_in_throttles) so every
// app instance shares them. Delays instead of a lock-out: a hard per-email lock lets anyone lock
// the real user out, while a doubling wait per email+IP and per IP makes guessing slow and costs
// the real user, on a device they signed in from before, nothing.
import { createHash } from "node:crypto";
import { type DbClient, inTransaction } from "../db-types";

export interface ThrottleRule {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; each further failure doubles it. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
}

export interface SignInThrottlePolicy {
  /** One email from one address: the guesser who sits on one account. */
  emailAndIp: ThrottleRule;
  /** One address across every email: the sprayer. */
  ip: ThrottleRule;
  /** One email from any address without a known-device cookie: the distributed guesser. */
  email: ThrottleRule;
  /** One email from one known device (a browser that signed in as that email before). */
  device: ThrottleRule;
  /** A key with no failure for this long starts again from zero (and its row is deleted). */
  forgetAfterSeconds: number;
}

const FIFTEEN_MINUTES = 15 * 60;

/** The limits in production; README "Security notes" and docs/security.md quote these numbers. */
export const SIGN_IN_THROTTLE: SignInThrottlePolicy = {
  emailAndIp: { freeFailures: 5, firstDelaySeconds: 1, maxDelaySeconds: FIFTEEN_MINUTES },
  ip: { freeFailures: 20, firstDelaySeconds: 1, maxDelaySeconds: FIFTEEN_MINUTES },
  email: { freeFailures: 50, firstDelaySeconds: 1, maxDelaySeconds: FIFTEEN_MINUTES },
  device: { freeFailures: 5, firstDelaySeconds: 1, maxDelaySeconds: FIFTEEN_MINUTES },
  forgetAfterSeconds: 24 * 60 * 60,
};

/** For development and end-to-end runs only (DISABLE_RATE_LIMITS, refused in production). */
export const NO_SIGN_IN_THROTTLE: SignInThrottlePolicy = {
  emailAndIp: { freeFailures: 1_000_000, firstDelaySeconds: 1, maxDelaySeconds: 1 },
  ip: { freeFailures: 1_000_000, firstDelaySeconds: 1, maxDelaySeconds: 1 },
  email: { freeFailures: 1_000_000, firstDelaySeconds: 1, maxDelaySeconds: 1 },
  device: { freeFailures: 1_000_000, firstDelaySeconds: 1, maxDelaySeconds: 1 },
  forgetAfterSeconds: 24 * 60 * 60,
};

export type ThrottleKind = "emailAndIp" | "ip" | "email" | "device";

/** A throttled subject: the stored key is a SHA-256, so the table holds no email or address. */
export interface ThrottleKey {
  kind: ThrottleKind;
  key: string;
}

function throttleKey(kind: ThrottleKind, subject: string): ThrottleKey {
  return { kind, key: createHash("sha256").update(subject).digest("hex") };
}

/**
 * The keys one password check counts against. A known device (a valid device cookie for this
 * email) counts only against its own key, so failures from other addresses never slow it down;
 * anything else counts against email+IP, IP and the generous per-email key.
 */
export function signInThrottleKeys(options: {
  email: string;
  ip: string | null;
  deviceId?: string | null;
}): ThrottleKey[] {
  const email = options.email.toLowerCase();
  if (options.deviceId) return [throttleKey("device", `email-device:${email}|${options.deviceId}`)];
  const ip = options.ip ?? "unknown";
  return [
    throttleKey("emailAndIp", `email-ip:${email}|${ip}`),
    throttleKey("ip", `ip:${ip}`),
    throttleKey("email", `email:${email}`),
  ];
}

/** The IP's key alone, for refusals that are not password checks but should still slow a prober. */
export function ipThrottleKey(ip: string | null): ThrottleKey {
  return throttleKey("ip", `ip:${ip ?? "unknown"}`);
}

/** Seconds to wait after the `failures`-th failure: none while free, then 1, 2, 4… up to the cap. */
export function throttleDelaySeconds(failures: number, rule: ThrottleRule): number {
  const past = failures - rule.freeFailures;
  if (past <= 0) return 0;
  return Math.min(rule.maxDelaySeconds, rule.firstDelaySeconds * 2 ** Math.min(past - 1, 30));
}

type ThrottleRow = { key: string; failures: number; last_failure_at: Date; blocked_until: Date };

/**
 * Takes one attempt on every key, counted as a failure until `releaseSignInAttempt` says it
 * succeeded. Counting before the password is checked (under a row lock, keys in a fixed order)
 * means a burst of parallel guesses cannot all slip in before the first failure is written.
 * While any key is still waiting the attempt is refused and counts nothing, so a refused
 * attempt never makes anyone's wait longer.
 */
export async function reserveSignInAttempt(
  db: DbClient,
  options: { keys: ThrottleKey[]; policy: SignInThrottlePolicy; now?: Date },
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const now = options.now ?? new Date();
  const forgetBefore = new Date(now.getTime() - options.policy.forgetAfterSeconds * 1000);
  const keys = [...options.keys].sort((a, b) => a.key.localeCompare(b.key));
  const run = async (tx: DbClient) => {
    const rows = new Map<string, ThrottleRow>();
    for (const { key } of keys) {
      const [row] = await tx.$queryRaw<ThrottleRow[]>`
        INSERT INTO sign_in_throttles (key, failures, last_failure_at, blocked_until)
        VALUES (${key}, 0, ${now}, ${now})
        ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
        RETURNING key, failures, last_failure_at, blocked_until`;
      if (row) rows.set(key, row);
    }
    let wait = 0;
    for (const row of rows.values()) {
      if (row.last_failure_at < forgetBefore) continue;
      wait = Math.max(wait, Math.ceil((row.blocked_until.getTime() - now.getTime()) / 1000));
    }
    if (wait > 0) return { ok: false as const, retryAfterSeconds: wait };
    for (const { key, kind } of keys) {
      const row = rows.get(key);
      const failures = row && row.last_failure_at >= forgetBefore ? row.failures + 1 : 1;
      const delay = throttleDelaySeconds(failures, options.policy[kind]);
      await tx.signInThrottle.update({
        where: { key },
        data: { failures, lastFailureAt: now, blockedUntil: new Date(now.getTime() + delay * 1000) },
      });
    }
    return { ok: true as const };
  };
  const result = await inTransaction(db, run);
  // Rows untouched for a day are forgotten; the index on last_failure_at keeps this cheap.
  await db.signInThrottle.deleteMany({ where: { lastFailureAt: { lt: forgetBefore } } });
  return result;
}

/**
 * Ends an attempt taken with `reserveSignInAttempt` that turned out right: the `clear` keys
 * (the email+IP or device key of whoever just proved the password) start again from zero, the
 * `refund` keys (IP, per-email) give back the failure counted in advance.
 */
export async function releaseSignInAttempt(
  db: DbClient,
  options: { clear: ThrottleKey[]; refund: ThrottleKey[] },
): Promise<void> {
  if (options.clear.length > 0)
    await db.signInThrottle.deleteMany({ where: { key: { in: options.clear.map((k) => k.key) } } });
  for (const { key } of options.refund)
    await db.$executeRaw`
      UPDATE sign_in_throttles SET failures = GREATEST(failures - 1, 0) WHERE key = ${key}`;
}
