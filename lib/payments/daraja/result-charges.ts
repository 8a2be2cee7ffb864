// What M-Pesa charged for a payout or reversal, read from the parameters its Result carried (as
// stored in resultParameters), so the provider's parameter names stay under daraja/ (§10, §13).

/**
 * Cents charged, or null when the Result does not say. A B2B Result writes `DebitPartyCharges`
 * as text, `Name|KES|77.00` (several joined by `&` or `;`, or empty); a reversal's `Charge` is a
 * number; a B2C Result carries no charge at all (only the Charges Paid account's balance).
 */
export function resultChargesCents(parameters: unknown): number | null {
  if (!parameters || typeof parameters !== "object") return null;
  const p = parameters as Record<string, unknown>;
  const charge = p.Charge;
  if (typeof charge === "number" && Number.isFinite(charge)) return Math.round(charge * 100);
  if (typeof charge === "string" && /^\d+(\.\d{1,2})?$/.test(charge.trim()))
    return Math.round(Number(charge.trim()) * 100);
  const debit = p.DebitPartyCharges;
  if (typeof debit !== "string") return null;
  const amounts = [...debit.matchAll(/\|KES\|(\d+(?:\.\d{1,2})?)/g)].map((m) =>
    Math.round(Number(m[1]) * 100),
  );
  return amounts.length === 0 ? (debit.trim() === "" ? 0 : null) : amounts.reduce((a, b) => a + b, 0);
}
