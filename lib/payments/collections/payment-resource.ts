// The public shape of payments and checkout sessions in the REST API: domain words only, phone
// numbers masked, amounts in whole KES.
import type { CheckoutSession, Payment } from "../../../prisma/generated/prisma/client";
import { explainPaymentOutcome } from "./stk-outcomes";

/**
 * Plain words for where a payment stands; Daraja's own text when the request itself was refused.
 * The API and the CSV export (export-payments-csv.ts) both say this.
 */
export function paymentMessage(p: Pick<Payment, "status" | "resultCode" | "resultDesc">): string {
  if (p.status === "pending") return "Waiting for the customer to approve on their phone.";
  const refusedBeforePrompt = p.resultCode !== null && !/^\d+$/.test(p.resultCode);
  if ((p.status === "needs_review" || refusedBeforePrompt) && p.resultDesc) return p.resultDesc;
  return explainPaymentOutcome(p);
}

export function toPaymentResource(p: Payment) {
  return {
    id: p.id,
    object: "payment" as const,
    status: p.status,
    amount: p.amount,
    currency: "KES",
    phone: p.phoneMasked,
    reference: p.reference,
    description: p.description,
    checkoutSessionId: p.checkoutSessionId,
    mpesaReceipt: p.receipt,
    resultCode: p.resultCode,
    message: paymentMessage(p),
    createdAt: p.createdAt.toISOString(),
    settledAt: p.settledAt?.toISOString() ?? null,
  };
}

export function toCheckoutSessionResource(s: CheckoutSession, appUrl: string) {
  return {
    id: s.id,
    object: "checkout_session" as const,
    url: `${appUrl}/pay/${s.id}`,
    status: s.status === "open" && s.expiresAt.getTime() < Date.now() ? "expired" : s.status,
    amount: s.amount,
    currency: "KES",
    reference: s.reference,
    description: s.description,
    expiresAt: s.expiresAt.toISOString(),
    paidAt: s.paidAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}
