import type { CallbackKind } from "../../../prisma/generated/prisma/enums";

/** Each kind of callback M-Pesa sends, in words a person reading the Callbacks page knows. */
export const CALLBACK_KIND_LABELS: Record<CallbackKind, string> = {
  stk: "STK Push result",
  c2b_validation: "Paybill validation",
  c2b_confirmation: "Paybill confirmation",
  b2c_result: "Payout result (B2C)",
  b2c_timeout: "Payout queue timeout (B2C)",
  b2b_result: "Payout result (B2B)",
  b2b_timeout: "Payout queue timeout (B2B)",
  status_result: "Transaction Status result",
  status_timeout: "Transaction Status queue timeout",
  balance_result: "Account balance result",
  balance_timeout: "Account balance queue timeout",
  reversal_result: "Reversal result",
  reversal_timeout: "Reversal queue timeout",
  other: "Other",
};
