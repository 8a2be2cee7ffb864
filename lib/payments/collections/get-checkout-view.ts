import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";
import { explainPaymentOutcome } from "./stk-outcomes";

export type CheckoutState = "open" | "paid" | "expired" | "cancelled";

export interface CheckoutView {
  id: string;
  merchantName: string;
  amount: number;
  reference: string;
  description: string | null;
  state: CheckoutState;
  expiresAt: string;
  /** How to pay without a prompt: the paybill and account, or the till. */
  alternative:
    | { kind: "paybill"; shortcode: string; account: string }
    | { kind: "till"; till: string }
    | null;
  attempt: {
    id: string;
    status: string;
    message: string;
    receipt: string | null;
    phone: string;
  } | null;
}

/**
 * What a customer may see of a checkout: no internal ids beyond the checkout's own, no secrets,
 * the phone masked. Expiry is computed, so an expired session needs no job to close it.
 */
export async function getCheckoutView(
  db: DbClient,
  options: { sessionId: string; now?: Date },
): Promise<CheckoutView | null> {
  if (!isUuid(options.sessionId)) return null;
  const session = await db.checkoutSession.findUnique({
    where: { id: options.sessionId },
    include: {
      merchant: { select: { name: true, environment: true, mpesaCredentials: true } },
      payments: { orderBy: { createdAt: "desc" }, take: 1 },
    },
  });
  if (!session) return null;
  const now = options.now ?? new Date();
  const credential = session.merchant.mpesaCredentials.find(
    (c) => c.environment === session.merchant.environment,
  );
  const attempt = session.payments[0];
  const state: CheckoutState =
    session.status === "open" && session.expiresAt.getTime() <= now.getTime() ? "expired" : session.status;
  return {
    id: session.id,
    merchantName: session.merchant.name,
    amount: session.amount,
    reference: session.reference,
    description: session.description,
    state,
    expiresAt: session.expiresAt.toISOString(),
    alternative: credential
      ? credential.tillNumber
        ? { kind: "till", till: credential.tillNumber }
        : { kind: "paybill", shortcode: credential.shortcode, account: session.reference }
      : null,
    attempt: attempt
      ? {
          id: attempt.id,
          status: attempt.status,
          message:
            attempt.status === "pending"
              ? "Check your phone and enter your M-Pesa PIN."
              : explainPaymentOutcome(attempt),
          receipt: attempt.receipt,
          phone: attempt.phoneMasked,
        }
      : null,
  };
}
