import type { Payment } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import type { PaymentsDeps } from "../deps";
import { getCheckoutView } from "./get-checkout-view";
import { initiateStkPayment } from "./initiate-stk-payment";

/**
 * A customer asks for the prompt on a hosted checkout. Refused when the checkout is paid,
 * expired or cancelled, or while an earlier prompt is still waiting (checked under the checkout's
 * row lock in initiateStkPayment, so two quick submits start one prompt): one checkout never takes
 * two payments (settlement also flags any that slips through).
 */
export async function payCheckoutSession(
  db: DbClient,
  deps: PaymentsDeps,
  options: { sessionId: string; phone: string },
): Promise<Payment> {
  const view = await getCheckoutView(db, { sessionId: options.sessionId, now: deps.now?.() });
  if (!view) throw new AppError("not_found", "This payment link does not exist.");
  if (view.state === "paid") throw new AppError("conflict", "This has already been paid.");
  if (view.state === "expired")
    throw new AppError("conflict", "This payment link has expired. Ask the merchant for a new one.");
  if (view.state === "cancelled")
    throw new AppError("conflict", "This payment link was cancelled by the merchant.");
  const session = await db.checkoutSession.findUniqueOrThrow({ where: { id: options.sessionId } });
  return initiateStkPayment(db, deps, {
    merchantId: session.merchantId,
    amount: session.amount,
    phone: options.phone,
    reference: session.reference,
    description: session.description,
    checkoutSessionId: session.id,
  });
}
