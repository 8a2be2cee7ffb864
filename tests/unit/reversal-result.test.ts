// Reversal Results as recorded (tests/fixtures) read into Malipo's words.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseResult } from "@/lib/payments/daraja/inbound";
import { readReversalResult } from "@/lib/payments/daraja/payout-result";
import { reversalOutcomeMessage } from "@/lib/payments/reversals/reversal-outcomes";

const fixture = (path: string) => {
  const parsed = parseResult(JSON.parse(readFileSync(join("tests/fixtures", path), "utf8")));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe("reversal results", () => {
  it("reads a success: its own receipt, the amount, the completion time and the reversed receipt", () => {
    const result = fixture("daraja-reference/reversal-result-success.json");
    expect(result.resultCode).toBe("0");
    expect(readReversalResult(result)).toMatchObject({
      receipt: "SKE52PAWR9",
      amount: 1,
      originalReceipt: "SKC82PACB8",
      completedAt: new Date("2021-11-14T10:27:11.000Z"),
    });
    expect(JSON.stringify(readReversalResult(result).parameters)).not.toContain("254708374149");
  });

  it("reads string codes: R000002 with a placeholder receipt, and 21", () => {
    const invalid = fixture("daraja/reversal_result-failure-r000002-string.json");
    expect(invalid.resultCode).toBe("R000002");
    expect(readReversalResult(invalid)).toMatchObject({ receipt: null, amount: null });
    const role = fixture("daraja/reversal_result-resultcode-21-string.json");
    expect(role.resultCode).toBe("21");
    // Not a success, so the TransactionID is not taken as the reversal's receipt.
    expect(readReversalResult(role).receipt).toBeNull();
  });

  it("says what each code means in plain words", () => {
    expect(reversalOutcomeMessage("R000001", "")).toMatch(/already reversed/);
    expect(reversalOutcomeMessage("R000002", "")).toMatch(/does not know this receipt/);
    expect(reversalOutcomeMessage("1", "")).toMatch(/Not enough money/);
    expect(reversalOutcomeMessage("2001", "")).toMatch(/initiator name or password/);
    expect(reversalOutcomeMessage("21", "")).toMatch(/Org Reversals Initiator/);
    expect(reversalOutcomeMessage("9999", "Something odd")).toBe("M-Pesa answered 9999: Something odd");
  });
});
