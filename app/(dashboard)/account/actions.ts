"use server";

import { revalidatePath } from "next/cache";
import { signOut } from "@/lib/auth";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { requireTenant } from "@/lib/session";
import { signOutSessions } from "@/lib/users/sign-out-sessions";

export type SessionsState = { error: string | null; message: string | null };

async function endSessions(scope: "others" | "everywhere"): Promise<number> {
  const tenant = await requireTenant();
  // Sessions belong to the user, not the merchant: the unscoped client, so the audit row goes to
  // the global chain (a merchant-scoped client would look for the chain's last row in one merchant).
  return signOutSessions(getDb(), {
    userId: tenant.user.id,
    currentSessionId: tenant.sessionId,
    scope,
    actor: tenant.actor,
    ip: tenant.actor.ip,
  });
}

/** Ends every session of the signed-in user except this one. */
export async function signOutOtherSessionsAction(): Promise<SessionsState> {
  try {
    const count = await endSessions("others");
    revalidatePath("/account");
    return {
      error: null,
      message: count === 1 ? "1 other session ended." : `${count} other sessions ended.`,
    };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, message: null };
    throw error;
  }
}

/** Ends every session of the signed-in user, this one included, and goes to sign-in. */
export async function signOutEverywhereAction(): Promise<SessionsState> {
  try {
    await endSessions("everywhere");
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, message: null };
    throw error;
  }
  await signOut({ redirectTo: "/login" }); // clears this browser's cookie; travels as a redirect
  return { error: null, message: null };
}
