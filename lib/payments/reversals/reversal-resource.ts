// The public shape of reversals in the REST API: domain words only, amounts in whole KES.
import type { Reversal } from "../../../prisma/generated/prisma/client";

/** What every audit row about a reversal names: the payment, its receipt and the amount going back. */
export function reversalAuditFields(r: Reversal) {
  return { paymentId: r.paymentId, originalReceipt: r.originalReceipt, amount: r.amount };
}

/** Where a reversal stands, in plain words (the failure's own explanation when it has one). */
export function reversalMessage(r: Reversal): string {
  switch (r.status) {
    case "pending_approval":
      return r.approvalsRequired > 1
        ? "Waiting for approval by two people other than the requester (in the dashboard)."
        : "Waiting for approval by someone other than the requester (in the dashboard).";
    case "approved":
      return "Approved; about to be sent to M-Pesa.";
    case "rejected":
      return r.note ? `Rejected by an approver: ${r.note}` : "Rejected by an approver.";
    case "cancelled":
      return "Cancelled before it was sent to M-Pesa.";
    case "submitted":
      return "Sent to M-Pesa; waiting for the result.";
    case "reversed":
      return r.resultDesc ?? "Reversed: the money went back to the payer.";
    case "failed":
      return r.resultDesc ?? "M-Pesa did not reverse this payment.";
    case "unknown":
      return (
        r.resultDesc ??
        "Sent to M-Pesa with no answer yet: it is being checked with M-Pesa and will never be sent twice."
      );
    case "needs_review":
      return r.resultDesc ?? "Held for a person to check before anything else happens.";
  }
}

export function toReversalResource(r: Reversal) {
  return {
    id: r.id,
    object: "reversal" as const,
    status: r.status,
    paymentId: r.paymentId,
    originalReceipt: r.originalReceipt,
    amount: r.amount,
    currency: "KES",
    reason: r.reason,
    receipt: r.receipt,
    resultCode: r.resultCode,
    message: reversalMessage(r),
    approvalsRequired: r.approvalsRequired,
    createdAt: r.createdAt.toISOString(),
    approvedAt: r.approvedAt?.toISOString() ?? null,
    submittedAt: r.submittedAt?.toISOString() ?? null,
    settledAt: r.settledAt?.toISOString() ?? null,
  };
}
