"use server";

import { headers } from "next/headers";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { passwordCheckContext } from "@/lib/password-checks";
import { clientIp } from "@/lib/security/client-ip";
import { requireTenant } from "@/lib/session";
import { changePassword } from "@/lib/users/change-password";

export type ChangePasswordState = { error: string | null; message: string | null };

/** Changes the signed-in user's password; this session stays, every other one ends. */
export async function changePasswordAction(
  _prev: ChangePasswordState,
  form: FormData,
): Promise<ChangePasswordState> {
  const tenant = await requireTenant();
  const newPassword = String(form.get("newPassword") ?? "");
  if (form.get("confirm") !== newPassword)
    return { error: "The two new passwords differ: type the same one twice.", message: null };
  try {
    // User-level, not merchant data: the unscoped client, so the audit row goes to the global chain.
    const { sessionsEnded } = await changePassword(getDb(), {
      userId: tenant.user.id,
      sessionId: tenant.sessionId,
      currentPassword: String(form.get("currentPassword") ?? ""),
      newPassword,
      ip: clientIp(await headers()),
      ...(await passwordCheckContext()),
    });
    const others = sessionsEnded === 1 ? "1 other session was" : `${sessionsEnded} other sessions were`;
    return { error: null, message: `Password changed. ${others} signed out.` };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, message: null };
    throw error;
  }
}
