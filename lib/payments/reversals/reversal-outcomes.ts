// Reversal result codes in plain words for the people who asked for the refund (docs/daraja.md §13).
// A result code is final: 0 reversed, anything else failed.

const WORDS: Record<string, string> = {
  "0": "Reversed: the money went back to the payer.",
  R000001:
    "M-Pesa says this payment was already reversed (R000001), so no money moved now. Check it on the M-Pesa portal: Malipo still shows the payment as paid.",
  R000002:
    "M-Pesa does not know this receipt as a transaction of your shortcode (R000002): nothing was reversed. Check the receipt and the shortcode in Settings → M-Pesa.",
  "1": "Not enough money in the account M-Pesa takes reversals from: top it up, then request the reversal again.",
  "11": "Your shortcode is in a state that cannot make reversals (M-Pesa's debit party is invalid): contact Safaricom.",
  "21": "The initiator is not allowed to reverse payments: ask Safaricom to give it the Org Reversals Initiator role.",
  "2001": "The initiator name or password is wrong: check Settings → M-Pesa.",
  "2006": "Your account's status does not allow reversals: contact Safaricom.",
  "2028": "Your shortcode is not allowed to make reversals (product assignment): contact Safaricom.",
  "8006": "The initiator's password is locked: unlock it on the M-Pesa organisation portal.",
};

/** What a reversal result code means, in words a person can act on. */
export function reversalOutcomeMessage(code: string, description: string): string {
  return WORDS[code] ?? `M-Pesa answered ${code}: ${description.trim() || "no description"}`;
}
