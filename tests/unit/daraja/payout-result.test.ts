import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseResult } from "@/lib/payments/daraja/inbound";
import {
  isPlaceholderReceipt,
  parseDarajaTime,
  publicName,
  readPayoutResult,
  readStatusResult,
} from "@/lib/payments/daraja/payout-result";
import { payoutOutcomeMessage } from "@/lib/payments/payouts/payout-outcomes";

const fixture = (name: string) => {
  const parsed = parseResult(JSON.parse(readFileSync(join("tests/fixtures/daraja", name), "utf8")));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe("reading payout and Transaction Status results", () => {
  it("reads Daraja's Kenyan times in both shapes as UTC", () => {
    expect(parseDarajaTime("19.12.2019 11:45:50")?.toISOString()).toBe("2019-12-19T08:45:50.000Z");
    expect(parseDarajaTime(20221110110717)?.toISOString()).toBe("2022-11-10T08:07:17.000Z");
    expect(parseDarajaTime("yesterday")).toBeNull();
    expect(parseDarajaTime(null)).toBeNull();
  });

  it("keeps the registered name and drops the number before it", () => {
    expect(publicName("254708374149 - John Doe")).toBe("John Doe");
    expect(publicName("000000\u2013 Biller Company")).toBe("Biller Company");
    expect(publicName("Simulated Business")).toBe("Simulated Business");
    expect(publicName("paid 254708374149")).not.toContain("254708374149");
  });

  it("treats placeholder TransactionIDs as no receipt", () => {
    expect(isPlaceholderReceipt("NLJ0000000")).toBe(true);
    expect(isPlaceholderReceipt("OAR0000000")).toBe(true);
    expect(isPlaceholderReceipt("NLJ7RT61SV")).toBe(false);
  });

  it("reads a B2B success with its text amount, completion time and masked parameters", () => {
    const details = readPayoutResult(fixture("b2b_result-success-referenceitem-array.json"));
    expect(details).toMatchObject({ receipt: "QKA81LK5CY", amount: 190, recipientName: "Biller Company" });
    expect(details.completedAt?.toISOString()).toBe("2022-11-10T08:07:17.000Z");
  });

  it("reads the receipt of a status result from ReceiptNo before the TransactionID placeholder", () => {
    const base = fixture("transaction_status_result-success.json");
    const withReceiptNo = {
      ...base,
      transactionId: "OAR0000000",
      parameters: { ...base.parameters, ReceiptNo: "SIMREAL123" },
    };
    expect(readStatusResult(withReceiptNo).receipt).toBe("SIMREAL123");
    // Without ReceiptNo (the simulator before its fix), a TransactionID that is not a placeholder is used.
    expect(readStatusResult(base)).toMatchObject({ receipt: "LKXXXX1234", transactionStatus: "Completed" });
    expect(readStatusResult({ ...base, transactionId: "OAR0000000" }).receipt).toBeNull();
  });

  it("says what result codes mean in plain words", () => {
    expect(payoutOutcomeMessage("b2c", "2001", "The initiator information is invalid.")).toMatch(
      /initiator name or password is wrong/,
    );
    expect(payoutOutcomeMessage("b2c", "SFC_IC0003", "")).toMatch(/not registered on M-Pesa/);
    expect(payoutOutcomeMessage("b2b", "SFC_IC0003", "")).toMatch(/paybill or till/);
    expect(payoutOutcomeMessage("b2c", "9191", "Odd thing")).toBe("M-Pesa answered 9191: Odd thing");
  });
});
