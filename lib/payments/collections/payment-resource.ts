// The public shape of payments and checkout sessions in the REST API: domain words only, phone
// numbers masked, amounts in whole KES.
import type { CheckoutSession, Payment, Prisma } from "../../../prisma/generated/prisma/client";
import { explainPaymentOutcome } from "./stk-outcomes";

/**
 * The columns a payment resource is made from, for lists to read and no more: a payments row has
 * about 30 columns (sealed phone, hashes, trace context…), and Prisma's cost grows with each one
 * it maps (51 rows: 1.5-1.8 ms of CPU for whole rows, 0.4-0.7 ms for these).
 */
export const PAYMENT_RESOURCE_FIELDS = {
  id: true,
  status: true,
  amount: true,
  phoneMasked: true,
  reference: true,
  description: true,
  checkoutSessionId: true,
  receipt: true,
  resultCode: true,
  resultDesc: true,
  createdAt: true,
  settledAt: true,
} as const satisfies Prisma.PaymentSelect;

export type PaymentResourceSource = Prisma.PaymentGetPayload<{ select: typeof PAYMENT_RESOURCE_FIELDS }>;

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

export function toPaymentResource(p: PaymentResourceSource) {
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
