import { describe, expect, it } from "vitest";
import { validateAmount } from "@/lib/payments/money";
import { normalizeKenyanPhone } from "@/lib/payments/phone";

describe("normalizeKenyanPhone", () => {
  it.each([
    ["0712345678", "254712345678"],
    ["0712 345 678", "254712345678"],
    ["0712-345-678", "254712345678"],
    ["(0712) 345678", "254712345678"],
    ["712345678", "254712345678"],
    ["+254712345678", "254712345678"],
    ["+254 712 345 678", "254712345678"],
    ["254712345678", "254712345678"],
    ["254 7 12 345 678", "254712345678"],
    ["00254712345678", "254712345678"],
    ["0112345678", "254112345678"],
    ["+254 110 123 456", "254110123456"],
    ["0733123456", "254733123456"],
    [" 0708374149 ", "254708374149"],
  ])("accepts %j as %s", (input, msisdn) => {
    expect(normalizeKenyanPhone(input)).toEqual({ ok: true, msisdn });
  });

  it.each([
    ["", /Enter a phone number/],
    ["abc", /only digits/],
    ["07123", /not a valid Kenyan mobile/],
    ["07123456789", /not a valid Kenyan mobile/],
    ["0202345678", /landline/],
    ["+255712345678", /Kenyan \(\+254\)/],
    ["+1 202 555 0123", /Kenyan \(\+254\)/],
    ["254812345678", /not a valid/],
    ["0712345678x", /only digits/],
  ])("rejects %j", (input, message) => {
    const result = normalizeKenyanPhone(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("validateAmount", () => {
  it("takes whole shillings from 1 to the maximum", () => {
    expect(validateAmount(1)).toEqual({ ok: true, amount: 1 });
    expect(validateAmount("250000")).toEqual({ ok: true, amount: 250_000 });
    expect(validateAmount(250_001).ok).toBe(false);
    expect(validateAmount(150_001, 150_000)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/150,000/),
    });
    expect(validateAmount(0)).toMatchObject({ ok: false, message: expect.stringMatching(/smallest/) });
    expect(validateAmount(10.5)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/whole shillings/),
    });
    expect(validateAmount("ten").ok).toBe(false);
    expect(validateAmount(Number.NaN).ok).toBe(false);
  });
});
