// Review item kinds as people read them: the Mismatches page and the reconciliation day page.

export const KIND_LABELS: Record<string, string> = {
  amount_mismatch: "Amount differs",
  payer_mismatch: "Payer phone differs",
  unknown_callback: "Callback for an unknown payment",
  unmatched_c2b: "Paybill money matching no checkout",
  late_success: "Success after the payment timed out",
  malformed_callback: "Unreadable callback",
  payout_unresolved: "Payout M-Pesa never confirmed",
  reversal_unresolved: "Reversal M-Pesa never confirmed",
  not_in_malipo: "In M-Pesa's record, not in Malipo",
  not_in_mpesa: "In Malipo, not in M-Pesa's record",
  record_amount_mismatch: "M-Pesa's record shows another amount",
};
