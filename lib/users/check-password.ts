import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { maskEmail } from "../mask";
import { createDeviceToken, verifyDeviceToken } from "../security/device-token";
import { verifyPassword } from "../security/password";
import {
  releaseSignInAttempt,
  reserveSignInAttempt,
  SIGN_IN_THROTTLE,
  type SignInThrottlePolicy,
  signInThrottleKeys,
} from "../security/sign-in-throttle";

/** Why a password is being checked; sign-in keeps its own audit actions, others are named. */
export type PasswordCheckPurpose = "sign_in" | "password_change";

export type PasswordCheckResult =
  | {
      ok: true;
      user: { id: string; email: string; name: string };
      /** The known-device token to (re)store in the browser's device cookie. */
      deviceToken: string;
    }
  | { ok: false; reason: "invalid_credentials" | "disabled" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

const AUDIT = {
  sign_in: { failed: "auth.sign_in_failed", limited: "auth.sign_in_rate_limited" },
  password_change: { failed: "auth.password_check_failed", limited: "auth.password_check_rate_limited" },
} as const;

/**
 * The one place a password is compared with a stored hash. Every check counts against the
 * sign-in throttle (email+IP, IP and per-email; or only the device's own key when `deviceToken`
 * is a valid known-device token for this email) and while any of those keys is waiting the
 * password is not even looked at. Failures and refusals are audited; a success clears the
 * email+IP or device key. An unknown email costs the same hashing time as a known one.
 */
export async function checkPassword(
  db: DbClient,
  options: ({ email: string } | { userId: string }) & {
    password: string;
    ip: string | null;
    purpose: PasswordCheckPurpose;
    /** The app secret the device cookie is signed with, and the cookie's value if any. */
    device: { secret: string; token?: string | null };
    policy?: SignInThrottlePolicy;
    now?: Date;
  },
): Promise<PasswordCheckResult> {
  const user =
    "userId" in options
      ? await db.user.findUnique({ where: { id: options.userId } })
      : await db.user.findUnique({ where: { email: options.email.toLowerCase() } });
  const email = user?.email ?? ("email" in options ? options.email.toLowerCase() : "");
  const deviceId = verifyDeviceToken(options.device.secret, email, options.device.token);
  const keys = signInThrottleKeys({ email, ip: options.ip, deviceId });
  const actor = user
    ? { type: "user" as const, id: user.id, label: user.email }
    : { type: "anonymous" as const, label: maskEmail(email) };
  const audit = AUDIT[options.purpose];
  const purpose = options.purpose === "sign_in" ? {} : { purpose: options.purpose };

  const reserved = await reserveSignInAttempt(db, {
    keys,
    policy: options.policy ?? SIGN_IN_THROTTLE,
    now: options.now,
  });
  if (!reserved.ok) {
    await appendAuditLog(db, {
      actor,
      action: audit.limited,
      target: user ? { type: "user", id: user.id } : null,
      metadata: {
        ...purpose,
        email: maskEmail(email),
        retryAfterSeconds: reserved.retryAfterSeconds,
        knownDevice: Boolean(deviceId),
      },
      ip: options.ip,
    });
    return { ok: false, reason: "rate_limited", retryAfterSeconds: reserved.retryAfterSeconds };
  }

  const passwordOk = await verifyPassword(user?.passwordHash ?? null, options.password);
  if (!user || !passwordOk || user.disabledAt) {
    // The failure was counted when the attempt was reserved.
    const reason = user && passwordOk ? "disabled" : "invalid_credentials";
    await appendAuditLog(db, {
      actor,
      action: audit.failed,
      target: user ? { type: "user", id: user.id } : null,
      metadata: {
        ...purpose,
        reason,
        knownDevice: Boolean(deviceId),
        ...(user ? {} : { email: maskEmail(email) }),
      },
      ip: options.ip,
    });
    return { ok: false, reason };
  }

  await releaseSignInAttempt(db, {
    clear: keys.filter((k) => k.kind === "emailAndIp" || k.kind === "device"),
    refund: keys.filter((k) => k.kind === "ip" || k.kind === "email"),
  });
  return {
    ok: true,
    user: { id: user.id, email: user.email, name: user.name },
    deviceToken: createDeviceToken(options.device.secret, user.email, deviceId ?? undefined),
  };
}
