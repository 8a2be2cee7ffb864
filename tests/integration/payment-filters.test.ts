import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { lookupHash } from "@/lib/crypto/seal";
import { exportPaymentsCsv } from "@/lib/payments/collections/export-payments-csv";
import { findPayments } from "@/lib/payments/collections/find-payments";
import { paymentFilterSchema, paymentWhere } from "@/lib/payments/collections/payment-filters";
import { createMerchant } from "../factories";
import { testDb } from "./db";

describe("finding and exporting payments", () => {
  const db = testDb();
  const keyring = parseKeyring(generateKeyringSpec("t1"));
  let merchantId = "";
  let otherMerchantId = "";

  beforeAll(async () => {
    merchantId = (await createMerchant(db)).id;
    otherMerchantId = (await createMerchant(db)).id;
    const base = { phoneSealed: "x", phoneMasked: "2547•••••678" };
    const rows = Array.from({ length: 2_500 }, (_, i) => ({
      ...base,
      merchantId,
      amount: 10 + (i % 100),
      reference: i === 7 ? "=HYPERLINK(1)" : `INV-${i}`,
      phoneHash: lookupHash(keyring, i % 2 ? "254712345678" : "254700000001", "phone"),
      status: i % 3 === 0 ? ("paid" as const) : ("failed" as const),
      receipt: i % 3 === 0 ? `R${String(i).padStart(9, "0")}` : null,
      createdAt: new Date(Date.UTC(2026, 10, 1 + (i % 20), 9)),
    }));
    await db.payment.createMany({ data: rows });
    await db.payment.create({
      data: { ...base, merchantId: otherMerchantId, amount: 50, reference: "INV-1", phoneHash: "other" },
    });
  });

  const where = (raw: Record<string, string>) =>
    paymentWhere(merchantId, paymentFilterSchema.parse(raw), keyring);

  it("filters by status, amount range, reference, receipt, phone (through its hash) and Kenyan dates", async () => {
    expect(await db.payment.count({ where: where({ status: "paid" }) })).toBe(834);
    expect(await db.payment.count({ where: where({ minAmount: "105", maxAmount: "109" }) })).toBe(125);
    expect(await db.payment.count({ where: where({ reference: "INV-1" }) })).toBe(1);
    expect(await db.payment.count({ where: where({ receipt: "r000000003" }) })).toBe(1);
    expect(await db.payment.count({ where: where({ phone: "0712 345 678" }) })).toBe(1_250);
    expect(await db.payment.count({ where: where({ phone: "not a phone" }) })).toBe(0);
    expect(await db.payment.count({ where: where({ from: "2026-11-01", to: "2026-11-01" }) })).toBe(125);
    expect(() => paymentFilterSchema.parse({ from: "1/11/2026" })).toThrow();
  });

  it("pages with a stable keyset cursor: no row twice, none missed", async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await findPayments(db, {
        merchantId,
        where: where({ status: "paid" }),
        limit: 100,
        cursor,
      });
      for (const p of page.data) seen.add(p.id);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen.size).toBe(834);
  });

  it("streams the filtered set as CSV in batches, one merchant only, with formulas neutralised", async () => {
    const reader = exportPaymentsCsv(db, where({})).getReader();
    let text = "";
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += 1;
      text += new TextDecoder().decode(value);
    }
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe(
      "created_at,status,amount_kes,reference,phone,mpesa_receipt,result_code,message,settled_at,id",
    );
    expect(lines).toHaveLength(2_501);
    expect(chunks).toBeGreaterThanOrEqual(4);
    expect(text).toContain("'=HYPERLINK(1)");
    expect(text).not.toContain("254712345678");
  });
});
