// Reads the Results of payouts (B2C, B2B), reversals and Transaction Status into Malipo's words, so
// the provider's parameter names stay under daraja/ (docs/daraja.md §9-§11, §13, §14). Never throws.
import { redact } from "../../redact";
import type { DarajaResult } from "./inbound";

type Scalar = string | number | null;

export interface PayoutResultDetails {
  /** The M-Pesa receipt, or null when the result carries only a placeholder. */
  receipt: string | null;
  /** Amount M-Pesa reports as moved (KES as sent; may carry cents in B2B's text form). */
  amount: number | null;
  /** The recipient's registered name, without the number M-Pesa writes before it. */
  recipientName: string | null;
  completedAt: Date | null;
  /** Every parameter as sent, with phone numbers masked (charges, balances, flags). */
  parameters: Record<string, Scalar>;
}

export interface StatusResultDetails extends PayoutResultDetails {
  /** `Completed` is documented; Failed, Reversed and Pending are reported by third parties. */
  transactionStatus: string | null;
  /** The ids of the transaction looked up (not of the status query itself). */
  originalOriginatorConversationId: string | null;
  originalConversationId: string | null;
  /** What we sent as Occasion, when Daraja echoes it in ReferenceData. */
  occasion: string | null;
}

/**
 * Failed results (and Transaction Status results, always) carry a made-up `TransactionID` such as
 * `NLJ0000000` or `OAR0000000`: three letters and zeros (docs/daraja.md §9, §11).
 */
export function isPlaceholderReceipt(value: string | null | undefined): boolean {
  return !value || /^[A-Z]{2,4}0{6,}$/.test(value);
}

function str(value: Scalar | undefined): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).trim();
  return s ? s : null;
}

function num(value: Scalar | undefined): number | null {
  const s = str(value);
  if (s === null || !/^-?\d+(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

/**
 * Daraja's times are Kenyan (UTC+3, no daylight saving): `dd.MM.yyyy HH:mm:ss` in B2C results,
 * `YYYYMMDDHHmmss` (string or number) in B2B and Transaction Status results.
 */
export function parseDarajaTime(value: Scalar | undefined): Date | null {
  const s = str(value);
  if (!s) return null;
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  const parts = dotted
    ? [dotted[3], dotted[2], dotted[1], dotted[4], dotted[5], dotted[6]]
    : compact
      ? compact.slice(1, 7)
      : null;
  if (!parts) return null;
  const [y, mo, d, h, mi, se] = parts.map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h - 3, mi, se));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** `"254708374149 - JOHN DOE"` or `"000000– Biller Company"` → `"JOHN DOE"` / `"Biller Company"`. */
export function publicName(value: Scalar | undefined): string | null {
  const s = str(value);
  if (!s) return null;
  const match = /^\s*\+?\d[\d\s]*\s*[-\u2013]\s*(.+)$/.exec(s);
  const name = (match?.[1] ?? s).trim();
  // A name M-Pesa did not prefix with the number could still hold one: never keep it whole.
  return (redact(name) as string) || null;
}

function maskedParameters(parameters: Record<string, Scalar>): Record<string, Scalar> {
  return redact(parameters) as Record<string, Scalar>;
}

/** A B2C or B2B payment Result. */
export function readPayoutResult(result: DarajaResult): PayoutResultDetails {
  const p = result.parameters;
  const receipt = str(p.TransactionReceipt) ?? (result.resultCode === "0" ? result.transactionId : null);
  return {
    receipt: isPlaceholderReceipt(receipt) ? null : receipt,
    amount: num(p.TransactionAmount ?? p.Amount),
    recipientName: publicName(p.ReceiverPartyPublicName),
    completedAt: parseDarajaTime(p.TransactionCompletedDateTime ?? p.TransCompletedTime),
    parameters: maskedParameters(p),
  };
}

/**
 * A Transaction Status Result. The real receipt is the `ReceiptNo` parameter; `TransactionID` is
 * a placeholder at Daraja and is read only when `ReceiptNo` is absent (Malipo's simulator used
 * to put the receipt there) and it does not look like one.
 */
export function readStatusResult(result: DarajaResult): StatusResultDetails {
  const p = result.parameters;
  const receipt = str(p.ReceiptNo) ?? (result.resultCode === "0" ? result.transactionId : null);
  return {
    receipt: isPlaceholderReceipt(receipt) ? null : receipt,
    amount: num(p.Amount ?? p.TransactionAmount),
    recipientName: publicName(p.CreditPartyName),
    completedAt: parseDarajaTime(p.FinalisedTime),
    parameters: maskedParameters(p),
    transactionStatus: str(p.TransactionStatus ?? p.Status),
    originalOriginatorConversationId: str(p.OriginatorConversationID),
    originalConversationId: str(p.ConversationID),
    occasion: str(result.reference.Occasion),
  };
}

export interface ReversalResultDetails extends Omit<PayoutResultDetails, "recipientName"> {
  /** The receipt that was reversed, as M-Pesa repeats it. */
  originalReceipt: string | null;
}

/**
 * A Reversal Result (docs/daraja.md §13): the reversal's own receipt is the head's `TransactionID`
 * on success (a placeholder on failure); `Amount`, `TransCompletedTime` and `OriginalTransactionID`
 * are parameters.
 */
export function readReversalResult(result: DarajaResult): ReversalResultDetails {
  const p = result.parameters;
  const receipt = result.resultCode === "0" ? result.transactionId : null;
  return {
    receipt: isPlaceholderReceipt(receipt) ? null : receipt,
    amount: num(p.Amount),
    completedAt: parseDarajaTime(p.TransCompletedTime),
    originalReceipt: str(p.OriginalTransactionID),
    parameters: maskedParameters(p),
  };
}
