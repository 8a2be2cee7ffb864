// Money is whole Kenyan shillings (integers): M-Pesa moves no cents.

/** Daraja's per-transaction ceiling per its FAQ (docs/daraja.md §16); configurable per merchant. */
export const DEFAULT_MAX_AMOUNT_KES = 250_000;
export const MIN_AMOUNT_KES = 1;

export type AmountResult = { ok: true; amount: number } | { ok: false; message: string };

export function validateAmount(value: unknown, maxAmount = DEFAULT_MAX_AMOUNT_KES): AmountResult {
  const amount = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof amount !== "number" || !Number.isFinite(amount))
    return { ok: false, message: "Enter an amount in KES." };
  if (!Number.isInteger(amount))
    return { ok: false, message: "M-Pesa takes whole shillings only (no cents)." };
  if (amount < MIN_AMOUNT_KES)
    return { ok: false, message: `The smallest M-Pesa payment is KES ${MIN_AMOUNT_KES}.` };
  if (amount > maxAmount) {
    return { ok: false, message: `The largest payment allowed is KES ${maxAmount.toLocaleString("en-KE")}.` };
  }
  return { ok: true, amount };
}
