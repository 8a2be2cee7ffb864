import { appendAuditLog, type UserActor } from "../../audit/append-audit-log";
import type { Keyring } from "../../crypto/keyring";
import { open } from "../../crypto/seal";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { phoneContext } from "./initiate-stk-payment";

/**
 * The full phone number behind a masked one, for a person whose role needs it (to call a
 * customer back). Each reveal is audited: who looked at whose number, and when.
 */
export async function revealPaymentPhone(
  db: DbClient,
  keyring: Keyring,
  options: {
    merchantId: string;
    paymentId: string;
    actor: UserActor;
    ip?: string | null;
  },
): Promise<string> {
  const payment = await db.payment.findFirst({
    where: { id: options.paymentId, merchantId: options.merchantId },
    select: { id: true, phoneSealed: true, phoneMasked: true },
  });
  if (!payment) throw new AppError("not_found", "No such payment.");
  const msisdn = open(keyring, payment.phoneSealed, phoneContext(options.merchantId));
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: { type: "user", ...options.actor },
    action: "payment.phone_revealed",
    target: { type: "payment", id: payment.id },
    metadata: { phone: payment.phoneMasked },
    ip: options.ip ?? null,
  });
  return msisdn;
}
