import { z } from "zod";
import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import type { SignInThrottlePolicy } from "../security/sign-in-throttle";
import { checkPassword } from "./check-password";

export const credentialsSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email("Enter a valid email address."))
    .pipe(z.string().max(254)),
  password: z.string().min(1, "Enter your password.").max(256),
});

export type SignInResult =
  | {
      ok: true;
      user: { id: string; email: string; name: string };
      /** For the known-device cookie (lib/security/device-token.ts). */
      deviceToken: string;
    }
  | { ok: false; reason: "invalid_input" | "invalid_credentials" | "disabled" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/**
 * Checks an email and password for staff sign-in through `checkPassword` (growing delays per
 * email+IP, IP and email, or per known device; every failure audited), then records the sign-in.
 */
export async function signInWithPassword(
  db: DbClient,
  options: {
    credentials: unknown;
    ip: string | null;
    device: { secret: string; token?: string | null };
    policy?: SignInThrottlePolicy;
    now?: Date;
  },
): Promise<SignInResult> {
  const parsed = credentialsSchema.safeParse(options.credentials);
  if (!parsed.success) return { ok: false, reason: "invalid_input" };
  const { email, password } = parsed.data;
  const checked = await checkPassword(db, {
    email,
    password,
    ip: options.ip,
    purpose: "sign_in",
    device: options.device,
    policy: options.policy,
    now: options.now,
  });
  if (!checked.ok) return checked;
  const { user } = checked;
  await db.user.update({ where: { id: user.id }, data: { lastSignInAt: options.now ?? new Date() } });
  await appendAuditLog(db, {
    actor: { type: "user", id: user.id, label: user.email },
    action: "auth.sign_in",
    target: { type: "user", id: user.id },
    ip: options.ip,
  });
  return checked;
}
