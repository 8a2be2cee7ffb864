import { describe, expect, it } from "vitest";
import { getOverview } from "@/lib/payments/collections/get-overview";
import { openReviewItem } from "@/lib/payments/review/open-review-item";
import { createMerchant } from "../factories";
import { testDb } from "./db";

describe("overview figures", () => {
  const db = testDb();

  it("adds up today, this week and 30 days in Kenyan time, for one merchant only", async () => {
    const merchantId = (await createMerchant(db)).id;
    const other = (await createMerchant(db)).id;
    // 2026-11-24 09:00 in Nairobi.
    const now = new Date("2026-11-24T06:00:00Z");
    const at = (daysAgo: number, hourUtc = 6) => new Date(Date.UTC(2026, 10, 24 - daysAgo, hourUtc));
    const base = { phoneSealed: "x", phoneHash: "h", phoneMasked: "2547•••••000", reference: "R" };
    await db.payment.createMany({
      data: [
        { ...base, merchantId, amount: 100, status: "paid", createdAt: at(0) },
        { ...base, merchantId, amount: 50, status: "failed", createdAt: at(0) },
        { ...base, merchantId, amount: 70, status: "pending", createdAt: at(0) },
        // 22:30 UTC on the 23rd is 01:30 on the 24th in Nairobi: today, not yesterday.
        { ...base, merchantId, amount: 30, status: "paid", createdAt: new Date("2026-11-23T22:30:00Z") },
        { ...base, merchantId, amount: 200, status: "paid", createdAt: at(3) },
        { ...base, merchantId, amount: 400, status: "paid", createdAt: at(20) },
        { ...base, merchantId, amount: 999, status: "paid", createdAt: at(40) },
        { ...base, merchantId: other, amount: 5_000, status: "paid", createdAt: at(0) },
      ],
    });
    await openReviewItem(db, { merchantId, kind: "unmatched_c2b", expected: {}, actual: {} });

    const overview = await getOverview(db, { merchantId, now });
    expect(overview.today).toEqual({ collected: 130, payments: 4 });
    expect(overview.week).toEqual({ collected: 330, payments: 5 });
    expect(overview.pending).toBe(1);
    expect(overview.openReviews).toBe(1);
    expect(overview.successRate).toBeCloseTo(4 / 5);
    expect(overview.daily).toHaveLength(30);
    expect(overview.daily.at(-1)).toMatchObject({ day: "2026-11-24", collected: 130 });
    expect(overview.daily.reduce((n, d) => n + d.collected, 0)).toBe(730);
  });
});
