import { appendAuditLog, type UserActor } from "../../audit/append-audit-log";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";

/** Stops a checkout link from taking payments. A paid or expired link cannot be cancelled. */
export async function cancelCheckoutSession(
  db: DbClient,
  options: { merchantId: string; sessionId: string; actor: UserActor },
): Promise<void> {
  const cancelled = await db.checkoutSession.updateMany({
    where: {
      id: options.sessionId,
      merchantId: options.merchantId,
      status: "open",
      expiresAt: { gt: new Date() },
    },
    data: { status: "cancelled" },
  });
  if (cancelled.count === 0)
    throw new AppError("conflict", "Only an open, unexpired checkout link can be cancelled.");
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: { type: "user", ...options.actor },
    action: "checkout.cancelled",
    target: { type: "checkout_session", id: options.sessionId },
  });
}
