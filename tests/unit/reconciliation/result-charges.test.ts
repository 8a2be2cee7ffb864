import { describe, expect, it } from "vitest";
import { resultChargesCents } from "@/lib/payments/daraja/result-charges";
import { reconciliationFingerprint } from "@/lib/payments/reconciliation/reconciliation-figures";

describe("M-Pesa charges read from stored Result parameters", () => {
  it("reads B2B DebitPartyCharges text, a reversal's Charge, and says nothing for B2C", () => {
    expect(resultChargesCents({ DebitPartyCharges: "Business Pay Bill Charge|KES|77.00" })).toBe(7_700);
    expect(resultChargesCents({ DebitPartyCharges: "Fee|KES|10.50&Levy|KES|1.05" })).toBe(1_155);
    expect(resultChargesCents({ DebitPartyCharges: "" })).toBe(0);
    expect(resultChargesCents({ Charge: 33 })).toBe(3_300);
    expect(resultChargesCents({ Charge: "0.00" })).toBe(0);
    expect(resultChargesCents({ B2CChargesPaidAccountAvailableFunds: -4.5 })).toBeNull();
    expect(resultChargesCents(null)).toBeNull();
  });
});

describe("reconciliation fingerprint", () => {
  it("ignores key order and the order of open items, and changes with any figure", () => {
    const figures = { day: "2026-12-01", openItems: 1, collected: { count: 1, amountKes: 5 } };
    const reordered = { collected: { amountKes: 5, count: 1 }, openItems: 1, day: "2026-12-01" };
    const as = (f: object) => f as Parameters<typeof reconciliationFingerprint>[0];
    const a = reconciliationFingerprint(as(figures), ["b", "a"]);
    expect(reconciliationFingerprint(as(reordered), ["a", "b"])).toBe(a);
    expect(reconciliationFingerprint(as({ ...figures, openItems: 2 }), ["a", "b"])).not.toBe(a);
    expect(reconciliationFingerprint(as(figures), ["a"])).not.toBe(a);
  });
});
