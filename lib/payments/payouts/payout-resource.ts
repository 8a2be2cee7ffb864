// The public shape of payouts and payout batches in the REST API: domain words only, phone
// numbers masked, amounts in whole KES.
import type { Payout } from "../../../prisma/generated/prisma/client";
import type { PayoutBatchSummary } from "./get-payout-batch";

/** What every audit row about a payout names: its amount, command and masked recipient. */
export function payoutAuditFields(p: Payout) {
  return {
    amount: p.amount,
    command: p.command,
    recipient: p.recipientPhoneMasked ?? p.recipientShortcode,
  };
}

/** Where a payout stands, in plain words (the failure's own explanation when it has one). */
export function payoutMessage(p: Payout): string {
  switch (p.status) {
    case "pending_approval":
      return p.approvalsRequired > 1
        ? "Waiting for approval by two people other than the requester."
        : "Waiting for approval by someone other than the requester.";
    case "approved":
      return "Approved; about to be sent to M-Pesa.";
    case "rejected":
      return p.note ? `Rejected by an approver: ${p.note}` : "Rejected by an approver.";
    case "cancelled":
      return "Cancelled before it was sent to M-Pesa.";
    case "submitted":
      return "Sent to M-Pesa; waiting for the result.";
    case "paid":
      return p.recipientName ? `Paid to ${p.recipientName}.` : "Paid.";
    case "failed":
      return p.resultDesc ?? "M-Pesa did not make this payment.";
    case "unknown":
      return (
        p.resultDesc ??
        "Sent to M-Pesa with no answer yet: it is being checked with M-Pesa and will never be sent twice."
      );
    case "needs_review":
      return p.resultDesc ?? "Held for a person to check before anything else happens.";
  }
}

export function toPayoutResource(p: Payout) {
  return {
    id: p.id,
    object: "payout" as const,
    status: p.status,
    kind: p.kind,
    command: p.command,
    amount: p.amount,
    currency: "KES",
    recipient:
      p.kind === "b2c"
        ? { phone: p.recipientPhoneMasked }
        : { shortcode: p.recipientShortcode, accountReference: p.accountReference },
    remarks: p.remarks,
    occasion: p.occasion,
    receipt: p.receipt,
    recipientName: p.recipientName,
    resultCode: p.resultCode,
    message: payoutMessage(p),
    batchId: p.batchId,
    createdAt: p.createdAt.toISOString(),
    approvedAt: p.approvedAt?.toISOString() ?? null,
    submittedAt: p.submittedAt?.toISOString() ?? null,
    settledAt: p.settledAt?.toISOString() ?? null,
  };
}

export function toPayoutBatchResource({ batch, byStatus }: PayoutBatchSummary) {
  return {
    id: batch.id,
    object: "payout_batch" as const,
    name: batch.name,
    count: batch.count,
    total: batch.total,
    currency: "KES",
    byStatus: Object.fromEntries(byStatus.map((s) => [s.status, { count: s.count, total: s.total }])),
    createdAt: batch.createdAt.toISOString(),
  };
}
