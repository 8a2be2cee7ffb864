import { describe, expect, it } from "vitest";
import type { DbClient } from "@/lib/db-types";
import { exportPaymentsCsv } from "@/lib/payments/collections/export-payments-csv";
import { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import type { Payment } from "@/prisma/generated/prisma/client";

/** A payment the reconciliation sweep closed: no callback, so no result code. */
const swept = {
  id: "pay_swept",
  merchantId: "m_1",
  status: "timed_out",
  amount: 100,
  reference: "SWEPT-1",
  description: null,
  phoneMasked: "0712***678",
  receipt: null,
  resultCode: null,
  resultDesc: null,
  checkoutSessionId: null,
  createdAt: new Date("2026-01-01T08:00:00Z"),
  settledAt: new Date("2026-01-01T08:05:00Z"),
} as unknown as Payment;

async function csvOf(rows: Partial<Payment>[]): Promise<string> {
  const db = { payment: { findMany: async () => rows } } as unknown as DbClient;
  return new Response(exportPaymentsCsv(db, {})).text();
}

describe("a payment's message follows its status when M-Pesa sent no result code", () => {
  it("says a swept payment timed out, never that it is waiting (API and CSV agree)", async () => {
    const message = toPaymentResource(swept).message;
    expect(message).not.toMatch(/waiting/i);
    expect(message).toMatch(/timed out/i);
    expect(await csvOf([swept])).toContain(message);
  });

  it("still says waiting for a pending payment and keeps result-code wording", async () => {
    expect(toPaymentResource({ ...swept, status: "pending", settledAt: null }).message).toMatch(/waiting/i);
    const cancelled = { ...swept, status: "cancelled", resultCode: "1032" } as Payment;
    expect(toPaymentResource(cancelled).message).toBe("The payment was cancelled on the phone.");
    for (const status of ["failed", "cancelled", "paid", "reversed", "needs_review"] as const)
      expect(toPaymentResource({ ...swept, status }).message, status).not.toMatch(/waiting/i);
  });
});
