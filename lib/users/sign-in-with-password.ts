import { z } from "zod";
import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { maskEmail } from "../mask";
import { verifyPassword } from "../security/password";
import type { Limiter } from "../security/rate-limit";

export const credentialsSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email("Enter a valid email address."))
    .pipe(z.string().max(254)),
  password: z.string().min(1, "Enter your password.").max(256),
});

export interface SignInLimiters {
  /** Failures per email and IP: the lock-out a person notices. */
  emailAndIp: Limiter;
  /** Failures per email from anywhere: stops a spread-out guessing attack on one account. */
  email: Limiter;
  /** Failures per IP across accounts: stops one host spraying many accounts. */
  ip: Limiter;
}

export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string } }
  | { ok: false; reason: "invalid_input" | "invalid_credentials" | "disabled" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/**
 * Checks an email and password for staff sign-in. Every failure is audited; repeated failures
 * lock the email (per IP and overall) and the IP for a while. Success clears the per-IP lock.
 */
export async function signInWithPassword(
  db: DbClient,
  options: { credentials: unknown; ip: string | null; limiters: SignInLimiters },
): Promise<SignInResult> {
  const parsed = credentialsSchema.safeParse(options.credentials);
  if (!parsed.success) return { ok: false, reason: "invalid_input" };
  const { email, password } = parsed.data;
  const ip = options.ip ?? "unknown";
  const { limiters } = options;
  const keys = { emailAndIp: `${email}|${ip}`, email, ip };

  const waits = await Promise.all([
    limiters.emailAndIp.blockedFor(keys.emailAndIp),
    limiters.email.blockedFor(keys.email),
    limiters.ip.blockedFor(keys.ip),
  ]);
  const blocked = Math.max(0, ...waits.map((w) => w ?? 0));
  if (blocked > 0) {
    await appendAuditLog(db, {
      actor: { type: "anonymous", label: maskEmail(email) },
      action: "auth.sign_in_rate_limited",
      metadata: { email: maskEmail(email), retryAfterSeconds: blocked },
      ip: options.ip,
    });
    return { ok: false, reason: "rate_limited", retryAfterSeconds: blocked };
  }

  const user = await db.user.findUnique({ where: { email } });
  const passwordOk = await verifyPassword(user?.passwordHash ?? null, password);
  if (!user || !passwordOk || user.disabledAt) {
    await Promise.all([
      limiters.emailAndIp.consume(keys.emailAndIp),
      limiters.email.consume(keys.email),
      limiters.ip.consume(keys.ip),
    ]);
    const reason = user && passwordOk ? "disabled" : "invalid_credentials";
    await appendAuditLog(db, {
      actor: user
        ? { type: "user", id: user.id, label: user.email }
        : { type: "anonymous", label: maskEmail(email) },
      action: "auth.sign_in_failed",
      target: user ? { type: "user", id: user.id } : null,
      metadata: { reason, ...(user ? {} : { email: maskEmail(email) }) },
      ip: options.ip,
    });
    return { ok: false, reason };
  }

  await limiters.emailAndIp.reset(keys.emailAndIp);
  await db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
  await appendAuditLog(db, {
    actor: { type: "user", id: user.id, label: user.email },
    action: "auth.sign_in",
    target: { type: "user", id: user.id },
    ip: options.ip,
  });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
