// B2C and B2B result codes in plain words for the people who approved the payout
// (docs/daraja.md §5, §9, §10). A result code is final: 0 paid, anything else failed.
import type { PayoutKind } from "../../../prisma/generated/prisma/enums";

const WORDS: Record<string, string> = {
  "0": "Paid.",
  "1": "Not enough money in the account M-Pesa pays from (the B2C utility account for phones): top it up, then request the payout again.",
  "2": "Below the smallest amount M-Pesa allows for this payment.",
  "3": "Above the largest amount M-Pesa allows per transaction.",
  "4": "The recipient's daily M-Pesa limit would be exceeded.",
  "8": "The recipient's M-Pesa balance would exceed its maximum.",
  "11": "Your shortcode is in a state that cannot pay (M-Pesa's debit party is invalid): contact Safaricom.",
  "17": "M-Pesa refused a repeat: the same amount to the same recipient within about 2 minutes. Wait, then request again.",
  "21": "The initiator is not allowed to make this payment: ask Safaricom to give it the role.",
  "26": "M-Pesa was busy and refused the payment.",
  "2001": "The initiator name or password is wrong: check Settings → M-Pesa.",
  "2006": "Your account's status does not allow this payment: contact Safaricom.",
  "2028":
    "Your shortcode is not allowed to make this kind of payment (product assignment): contact Safaricom.",
  "2040": "The recipient is not a registered M-Pesa customer who can receive this payment.",
  "8006": "The initiator's password is locked: unlock it on the M-Pesa organisation portal.",
};

/** Not-on-M-Pesa reads differently for a phone and for a paybill or till. */
const NOT_FOUND: Record<PayoutKind, string> = {
  b2c: "The recipient's number is not registered on M-Pesa.",
  b2b: "The paybill or till receiving the payment does not exist on M-Pesa.",
};

/** What a payout result code means, in words a person can act on. */
export function payoutOutcomeMessage(kind: PayoutKind, code: string, description: string): string {
  if (code === "SFC_IC0003") return NOT_FOUND[kind];
  return WORDS[code] ?? `M-Pesa answered ${code}: ${description.trim() || "no description"}`;
}

/** Plain words for a synchronous refusal (the request never became a payment). */
export function refusalMessage(errorCode: string, message: string): string {
  return `M-Pesa refused the request (${errorCode}): ${message}`;
}
