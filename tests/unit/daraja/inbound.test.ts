import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  classifyC2bMsisdn,
  parseAccountBalances,
  parseC2bNotification,
  parseResult,
  parseStkCallback,
} from "@/lib/payments/daraja/inbound";
import { stkQueryResponseSchema } from "@/lib/payments/daraja/wire";

const dir = join(import.meta.dirname, "../../fixtures/daraja");
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({ file, body: JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown }));
const byPrefix = (prefix: string) => fixtures.filter((f) => f.file.startsWith(prefix));

describe("recorded payloads from other M-Pesa projects", () => {
  it.each(byPrefix("stk_callback-").filter((f) => !f.file.includes("malformed")))(
    "STK callback $file parses",
    ({ body }) => {
      const parsed = parseStkCallback(body);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      if (parsed.value.resultCode === "0") {
        expect(parsed.value.amount).toBeGreaterThan(0);
        expect(parsed.value.receipt).toBeTruthy();
        expect(parsed.value.phone).toMatch(/^2547\d{8}$/);
      } else {
        expect(parsed.value.receipt).toBeNull();
      }
    },
  );

  it("reports a callback without ResultCode as a failure, without throwing", () => {
    const parsed = parseStkCallback(byPrefix("stk_callback-malformed")[0]?.body);
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining("ResultCode") });
  });

  it.each([...byPrefix("c2b_confirmation-"), ...byPrefix("c2b_validation-")])(
    "C2B $file parses",
    ({ body }) => {
      const parsed = parseC2bNotification(body);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.value.amount).toBeGreaterThan(0);
    },
  );

  it.each([
    ...byPrefix("b2c_result-"),
    ...byPrefix("b2b_result-"),
    ...byPrefix("transaction_status_result-"),
    ...byPrefix("account_balance_result-"),
    ...byPrefix("reversal_result-"),
    ...byPrefix("queue_timeout-"),
  ])("Result $file parses", ({ body }) => {
    const parsed = parseResult(body);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.resultCode).toMatch(/^\w+$/);
  });

  it.each(byPrefix("stk_query-"))("STK Query answer $file parses", ({ body }) => {
    expect(stkQueryResponseSchema.safeParse(body).success).toBe(true);
  });
});

describe("payload variations", () => {
  it("normalises ResultCode given as number or string", () => {
    const result = (code: unknown) =>
      parseResult({ Result: { ResultType: "0", ResultCode: code, ResultDesc: "x" } });
    expect(result(0)).toMatchObject({ ok: true, value: { resultCode: "0", resultType: "0" } });
    expect(result("0")).toMatchObject({ ok: true, value: { resultCode: "0" } });
    expect(result("R000002")).toMatchObject({ ok: true, value: { resultCode: "R000002" } });
  });

  it("looks STK items up by name and tolerates missing values, null metadata and reordering", () => {
    const body = (items: unknown, code: unknown = 0) => ({
      Body: {
        stkCallback: {
          MerchantRequestID: "m",
          CheckoutRequestID: "c",
          ResultCode: code,
          ResultDesc: "d",
          CallbackMetadata: items,
        },
      },
    });
    const parsed = parseStkCallback(
      body({
        Item: [
          { Name: "PhoneNumber", Value: 254708374149 },
          { Name: "Balance" },
          { Name: "MpesaReceiptNumber", Value: "NLJ7RT61SV" },
          { Name: "Amount", Value: 1.0 },
        ],
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      value: { amount: 1, receipt: "NLJ7RT61SV", phone: "254708374149", transactionDate: null },
    });
    expect(parseStkCallback(body(null, "1032"))).toMatchObject({
      ok: true,
      value: { resultCode: "1032", amount: null },
    });
  });

  it("reads ReferenceItem as object or array, ResultParameters with or without wrapper, and keys with spaces", () => {
    const withObject = parseResult({
      Result: {
        ResultCode: 0,
        ReferenceData: { ReferenceItem: { Key: "Occasion" } },
        ResultParameters: { ResultParameter: { Key: "Conversation ID", Value: "AG_1" } },
      },
    });
    expect(withObject).toMatchObject({
      ok: true,
      value: { reference: { Occasion: null }, parameters: { ConversationID: "AG_1" } },
    });
    const withArray = parseResult({
      Result: {
        ResultCode: 0,
        ReferenceData: { ReferenceItem: [{ Key: "BillReferenceNumber", Value: "19008" }] },
        ResultParameters: [{ Key: "Amount", Value: 190 }],
      },
    });
    expect(withArray).toMatchObject({
      ok: true,
      value: { reference: { BillReferenceNumber: "19008" }, parameters: { Amount: 190 } },
    });
  });

  it("accepts Safaricom's misspelt OriginatorCoversationID", () => {
    expect(parseResult({ Result: { ResultCode: 0, OriginatorCoversationID: "o-1" } })).toMatchObject({
      ok: true,
      value: { originatorConversationId: "o-1" },
    });
  });

  it("classifies C2B MSISDNs: plain, masked, hashed", () => {
    expect(classifyC2bMsisdn("254708374149")).toEqual({ kind: "msisdn", msisdn: "254708374149" });
    expect(classifyC2bMsisdn("2547 ***** 126")).toEqual({ kind: "masked", masked: "2547 ***** 126" });
    expect(classifyC2bMsisdn("25470****149")).toMatchObject({ kind: "masked" });
    const hash = "94c392c3b8a3c0a8e0c8f1d2a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f68a88";
    expect(classifyC2bMsisdn(hash)).toEqual({ kind: "hashed", hash });
    expect(classifyC2bMsisdn("")).toEqual({ kind: "unknown", raw: null });
  });

  it("flags C2B amounts with cents instead of rounding them", () => {
    const base = {
      TransID: "RKTQDM7W6S",
      TransAmount: "10.50",
      BusinessShortCode: 600638,
      MSISDN: "2547 ***** 126",
    };
    expect(parseC2bNotification(base)).toMatchObject({
      ok: true,
      value: { amount: null, amountRaw: "10.50", shortcode: "600638" },
    });
    expect(parseC2bNotification({ ...base, TransAmount: "-5" })).toMatchObject({ ok: false });
  });

  it.each([
    null,
    undefined,
    "text",
    42,
    [],
    [1, 2],
    { Body: null },
    { Body: { stkCallback: "x" } },
    { Result: [] },
  ])("never throws on garbage (%j)", (garbage) => {
    expect(parseStkCallback(garbage).ok).toBe(false);
    expect(parseC2bNotification(garbage).ok).toBe(false);
    expect(parseResult(garbage).ok).toBe(false);
  });
});

describe("parseAccountBalances", () => {
  it("parses the Working Account|KES|… & … string into cents, tolerating the 0.008 doc typo", () => {
    const balances = parseAccountBalances(
      "Working Account|KES|700000.00|700000.00|0.00|0.00&Float Account|KES|0.00|0.00|0.00|0.008&Utility Account|KES|228037.00|228037.00|0.00|0.00&Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00",
    );
    expect(balances.map((b) => [b.name, b.currentCents])).toEqual([
      ["Working Account", 70_000_000],
      ["Float Account", 0],
      ["Utility Account", 22_803_700],
      ["Charges Paid Account", -154_000],
    ]);
    expect(balances[0]).toMatchObject({
      currency: "KES",
      availableCents: 70_000_000,
      reservedCents: 0,
      unclearedCents: 0,
    });
  });
});
