import { z } from "zod";
import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { hashPassword, passwordProblem } from "../security/password";
import type { SignInThrottlePolicy } from "../security/sign-in-throttle";
import { checkPassword } from "./check-password";
import { revokeUserSessions } from "./revoke-user-sessions";

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, "Enter your current password.").max(256),
  newPassword: z.string().max(256, "Use at most 256 characters."),
});

/**
 * Changes the signed-in user's password. The current password is checked like a sign-in
 * (throttled and audited, lib/users/check-password.ts), the new one must be strong (zxcvbn,
 * knowing the user's email and name), and every other session of the user ends at once: whoever
 * else knew the old password is signed out. The session making the change stays signed in.
 */
export async function changePassword(
  db: DbClient,
  options: z.input<typeof changePasswordSchema> & {
    userId: string;
    /** The session making the change (kept); every other one is revoked. */
    sessionId: string;
    ip: string | null;
    device: { secret: string; token?: string | null };
    policy?: SignInThrottlePolicy;
  },
): Promise<{ sessionsEnded: number }> {
  const parsed = changePasswordSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("validation_failed", issue?.message ?? "Fill in every field.", {
      field: String(issue?.path[0] ?? "newPassword"),
    });
  }
  const { currentPassword, newPassword } = parsed.data;
  const checked = await checkPassword(db, {
    userId: options.userId,
    password: currentPassword,
    ip: options.ip,
    purpose: "password_change",
    device: options.device,
    policy: options.policy,
  });
  if (!checked.ok) {
    if (checked.reason === "rate_limited")
      throw new AppError("rate_limited", `Too many attempts, try again in ${checked.retryAfterSeconds} s.`, {
        retryAfterSeconds: checked.retryAfterSeconds,
      });
    if (checked.reason === "disabled") throw new AppError("forbidden", "This account is disabled.");
    throw new AppError("validation_failed", "That is not your current password.", {
      field: "currentPassword",
    });
  }
  const { user } = checked;
  if (newPassword === currentPassword)
    throw new AppError("validation_failed", "Choose a new password, not the current one.", {
      field: "newPassword",
    });
  const problem = await passwordProblem(newPassword, [user.email, user.name, currentPassword]);
  if (problem) throw new AppError("validation_failed", problem, { field: "newPassword" });
  const passwordHash = await hashPassword(newPassword);
  return inTransaction(db, async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const sessionsEnded = await revokeUserSessions(tx, {
      userId: user.id,
      reason: "password_changed",
      exceptSessionId: options.sessionId,
    });
    await appendAuditLog(tx, {
      actor: { type: "user", id: user.id, label: user.email },
      action: "auth.password_changed",
      target: { type: "user", id: user.id },
      metadata: { sessionsEnded },
      ip: options.ip,
    });
    return { sessionsEnded };
  });
}
