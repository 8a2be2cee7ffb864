// Words the payout pages share (plain module: server pages and client components both read it).
import type { PayoutTab } from "@/lib/payments/payouts/find-payouts";

export const TAB_LABELS: Record<PayoutTab, string> = {
  waiting_for_me: "Waiting for my approval",
  waiting_for_others: "Waiting for others",
  in_flight: "In flight",
  paid: "Paid",
  failed: "Failed",
  review: "Review",
};

export const COMMAND_LABELS: Record<string, string> = {
  BusinessPayment: "Business payment",
  SalaryPayment: "Salary",
  PromotionPayment: "Promotion",
  BusinessPayBill: "Paybill",
  BusinessBuyGoods: "Till",
};

/** A masked phone, or a paybill/till with its account: never a full number. */
export function recipientText(recipient: {
  phone?: string | null;
  shortcode?: string | null;
  accountReference?: string | null;
}): string {
  if (recipient.phone) return recipient.phone;
  return recipient.accountReference
    ? `${recipient.shortcode} · ${recipient.accountReference}`
    : (recipient.shortcode ?? "—");
}
