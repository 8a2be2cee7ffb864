// What an STK result code means for a payment, in the status model and in plain words.
import type { PaymentStatus } from "../../../prisma/generated/prisma/enums";

const CANCELLED = new Set(["1032", "1031"]);
const NO_RESPONSE = new Set(["1037", "1019"]);

export function statusForStkResult(
  resultCode: string,
): Exclude<PaymentStatus, "needs_review" | "reversed" | "pending"> {
  if (resultCode === "0") return "paid";
  if (CANCELLED.has(resultCode)) return "cancelled";
  if (NO_RESPONSE.has(resultCode)) return "timed_out";
  return "failed";
}

const IGNORE_SUCCESS_WHEN = new Set<PaymentStatus>(["paid", "needs_review", "reversed"]);

/**
 * True when a result cannot change the payment: a failure for a payment already final, or a
 * success for one already paid, in review or reversed. A success that brings the receipt a paid
 * payment lacks (a query settled it first) still changes it: the receipt is filled in.
 */
export function stkResultIsSpent(
  payment: { status: PaymentStatus; receipt: string | null; amount: number },
  result: { resultCode: string; receipt?: string | null; amount?: number | null },
): boolean {
  if (result.resultCode !== "0") return payment.status !== "pending";
  return IGNORE_SUCCESS_WHEN.has(payment.status) && !fillsInReceipt(payment, result);
}

/** A success bringing the receipt of a payment a query settled without one. */
export function fillsInReceipt(
  payment: { status: PaymentStatus; receipt: string | null; amount: number },
  result: { resultCode: string; receipt?: string | null; amount?: number | null },
): boolean {
  return (
    result.resultCode === "0" &&
    payment.status === "paid" &&
    !payment.receipt &&
    Boolean(result.receipt) &&
    result.amount === payment.amount
  );
}

/**
 * For customers and staff: what happened, without M-Pesa jargon. Without a result code (no
 * callback yet, or the sweep decided the payment) the words come from the payment's status:
 * explainPaymentOutcome, not this, is what a payment's message uses.
 */
export function explainStkResult(resultCode: string | null): string {
  switch (resultCode) {
    case "0":
      return "Paid.";
    case "1":
      return "Not enough money in M-Pesa (or Fuliza) for this payment.";
    case "1032":
    case "1031":
      return "The payment was cancelled on the phone.";
    case "1037":
    case "1019":
      return "No response from the phone: it may be off or out of network, or the prompt was not answered in time.";
    case "2001":
      return "The M-Pesa PIN entered was wrong.";
    case "17":
      return "M-Pesa blocked a repeat of the same amount within 2 minutes. Wait a little and try again.";
    case "1001":
      return "The phone was busy with another M-Pesa transaction. Try again in a minute.";
    case "1025":
    case "9999":
      return "M-Pesa could not send the prompt. Try again.";
    case "8006":
      return "The M-Pesa PIN is locked. Call Safaricom to unlock it.";
    case "4":
    case "8":
      return "This would go over the customer's M-Pesa limits.";
    case null:
      return "Waiting for M-Pesa.";
    default:
      return "M-Pesa could not complete the payment.";
  }
}

/** Without a result code only the status knows: a swept `timed_out` payment is not "waiting". */
const WITHOUT_RESULT_CODE: Record<PaymentStatus, string> = {
  pending: "Waiting for M-Pesa.",
  paid: "Paid.",
  reversed: "Paid, then reversed.",
  cancelled: "The payment was cancelled.",
  timed_out: "M-Pesa reported no outcome in time, so the payment was marked timed out.",
  failed: "M-Pesa could not complete the payment.",
  needs_review: "Needs a person to check it against M-Pesa.",
};

/** A payment's outcome in plain words: its result code when M-Pesa sent one, else its status. */
export function explainPaymentOutcome(payment: { status: PaymentStatus; resultCode: string | null }): string {
  return payment.resultCode === null
    ? WITHOUT_RESULT_CODE[payment.status]
    : explainStkResult(payment.resultCode);
}
