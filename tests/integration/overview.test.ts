import { describe, expect, it } from "vitest";
import type { DbClient } from "@/lib/db-types";
import { displayCache } from "@/lib/display-cache";
import { getOverview, type overviewPastDays } from "@/lib/payments/collections/get-overview";
import { openReviewItem } from "@/lib/payments/review/open-review-item";
import type { PaymentStatus } from "@/prisma/generated/prisma/enums";
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

  it("shows a late change to a past day once the day is refreshed", async () => {
    const merchantId = (await createMerchant(db)).id;
    const now = new Date();
    const threeDaysAgo = new Date(now.getTime() - 3 * 86_400_000);
    const base = {
      phoneSealed: "x",
      phoneHash: "h",
      phoneMasked: "2547•••••000",
      reference: "R",
      merchantId,
    };
    const late = await db.payment.create({
      data: { ...base, amount: 80, status: "pending", createdAt: threeDaysAgo },
    });
    const before = await getOverview(db, { merchantId, now });
    expect(before.pending).toBe(1);
    expect(before.daily.reduce((n, d) => n + d.collected, 0)).toBe(0);
    // Its callback arrives today: the trigger marks that day stale and the next read recomputes it.
    await db.payment.update({ where: { id: late.id }, data: { status: "paid", settledAt: now } });
    const after = await getOverview(db, { merchantId, now });
    expect(after.daily.at(-4)).toMatchObject({ collected: 80, paid: 1, settled: 1 });
    expect(after.week).toEqual({ collected: 80, payments: 1 });
    expect(after.pending).toBe(0);
  });

  it("with the display cache, reuses past days for 15 s per merchant while today stays live", async () => {
    const merchantId = (await createMerchant(db)).id;
    const other = (await createMerchant(db)).id;
    const now = new Date();
    const base = { phoneSealed: "x", phoneHash: "h", phoneMasked: "2547•••••000", reference: "R" };
    const pastDays: typeof overviewPastDays = displayCache({ ttlMs: 15_000 });
    const late = await db.payment.create({
      data: {
        ...base,
        merchantId,
        amount: 80,
        status: "pending",
        createdAt: new Date(now.getTime() - 3 * 86_400_000),
      },
    });
    const first = await getOverview(db, { merchantId, now, pastDays });
    expect(first.daily.reduce((n, d) => n + d.collected, 0)).toBe(0);
    await db.payment.update({ where: { id: late.id }, data: { status: "paid", settledAt: now } });
    await db.payment.create({ data: { ...base, merchantId, amount: 25, status: "paid", createdAt: now } });
    await db.payment.create({
      data: {
        ...base,
        merchantId: other,
        amount: 60,
        status: "paid",
        createdAt: new Date(now.getTime() - 2 * 86_400_000),
      },
    });
    const cached = await getOverview(db, { merchantId, now, pastDays });
    // Today and the live counts move at once; the past day's late payment waits for the cache.
    expect(cached.today).toEqual({ collected: 25, payments: 1 });
    expect(cached.pending).toBe(0);
    expect(cached.daily.at(-4)).toMatchObject({ collected: 0 });
    // Another merchant has its own entry, never this one's.
    expect((await getOverview(db, { merchantId: other, now, pastDays })).week).toEqual({
      collected: 60,
      payments: 1,
    });
    pastDays.clear();
    const fresh = await getOverview(db, { merchantId, now, pastDays });
    expect(fresh.daily.at(-4)).toMatchObject({ collected: 80, paid: 1, settled: 1 });
    expect(fresh).toEqual(await getOverview(db, { merchantId, now }));
  });

  it("reads the rollup exactly as the live query counted, on random data", async () => {
    const merchantId = (await createMerchant(db)).id;
    const now = new Date();
    const statuses: PaymentStatus[] = [
      "paid",
      "paid",
      "paid",
      "failed",
      "pending",
      "cancelled",
      "timed_out",
      "needs_review",
    ];
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const base = {
      phoneSealed: "x",
      phoneHash: "h",
      phoneMasked: "2547•••••000",
      reference: "R",
      merchantId,
    };
    const rows = Array.from({ length: 600 }, () => ({
      ...base,
      amount: 1 + Math.floor(random() * 5_000),
      status: statuses[Math.floor(random() * statuses.length)] ?? "paid",
      // Up to 32 days back, at any second: edges of Kenyan days included.
      createdAt: new Date(now.getTime() - Math.floor(random() * 32 * 86_400_000)),
    }));
    await db.payment.createMany({ data: rows });
    const expected = await liveOverview(db, merchantId, now);
    expect(await getOverview(db, { merchantId, now })).toEqual(expected);
    // Fresh rows read back (no recompute) give the same again, and so does a second change.
    expect(await getOverview(db, { merchantId, now })).toEqual(expected);
    await db.payment.updateMany({ where: { merchantId, status: "pending" }, data: { status: "failed" } });
    expect(await getOverview(db, { merchantId, now })).toEqual(await liveOverview(db, merchantId, now));
  });
});

/** The Overview as it was computed before the rollup (every day counted live), as the reference. */
async function liveOverview(db: DbClient, merchantId: string, now: Date) {
  const DAY_MS = 86_400_000;
  const OFFSET = 3 * 3_600_000;
  const todayStart = new Date(Math.floor((now.getTime() + OFFSET) / DAY_MS) * DAY_MS - OFFSET);
  const firstDayStart = new Date(todayStart.getTime() - 29 * DAY_MS);
  const rows = await db.$queryRaw<
    { day: string; collected: bigint | null; paid: bigint; settled: bigint; total: bigint }[]
  >`
    SELECT to_char(d.start AT TIME ZONE 'Africa/Nairobi', 'YYYY-MM-DD') AS day, a.*
    FROM generate_series(${firstDayStart}::timestamptz, ${todayStart}::timestamptz, interval '24 hours') AS d(start)
    CROSS JOIN LATERAL (
      SELECT sum(amount) FILTER (WHERE status = 'paid') AS collected,
             count(*) FILTER (WHERE status = 'paid') AS paid,
             count(*) FILTER (WHERE status <> 'pending') AS settled,
             count(*) AS total
      FROM payments
      WHERE merchant_id = ${merchantId}::uuid AND created_at >= d.start AND created_at < d.start + interval '24 hours'
    ) AS a`;
  const [counts] = await db.$queryRaw<{ pending: bigint; reviews: bigint }[]>`
    SELECT (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId}::uuid AND status = 'pending') AS pending,
           (SELECT count(*) FROM review_items WHERE merchant_id = ${merchantId}::uuid AND status = 'open') AS reviews`;
  const kenyanDay = (d: Date) => new Date(d.getTime() + OFFSET).toISOString().slice(0, 10);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const daily = Array.from({ length: 30 }, (_, i) => {
    const day = kenyanDay(new Date(now.getTime() - (29 - i) * DAY_MS));
    const r = byDay.get(day);
    return {
      day,
      collected: Number(r?.collected ?? 0),
      paid: Number(r?.paid ?? 0),
      settled: Number(r?.settled ?? 0),
    };
  });
  const sum = (list: typeof rows) => ({
    collected: list.reduce((n, r) => n + Number(r.collected ?? 0), 0),
    payments: list.reduce((n, r) => n + Number(r.total), 0),
  });
  const weekStart = kenyanDay(new Date(now.getTime() - 6 * DAY_MS));
  const paid = daily.reduce((n, d) => n + d.paid, 0);
  const settled = daily.reduce((n, d) => n + d.settled, 0);
  return {
    today: sum(rows.filter((r) => r.day === kenyanDay(now))),
    week: sum(rows.filter((r) => r.day >= weekStart)),
    successRate: settled === 0 ? null : paid / settled,
    pending: Number(counts?.pending ?? 0),
    openReviews: Number(counts?.reviews ?? 0),
    daily,
  };
}
