import { describe, expect, it } from "vitest";
import { findOwnerAlerts, findOwnerAlertsForBanner, OWNER_ALERTS_CACHE_MS } from "@/lib/observability/alerts";
import { createInboxEntry, createMerchant, createPayment, createPayout } from "../factories";
import { testDb } from "./db";

describe("owner alerts in one statement", () => {
  const db = testDb();
  const ago = (ms: number) => new Date(Date.now() - ms);

  it("finds every rule's condition for this merchant only, and none at the edge of each threshold", async () => {
    const m = await createMerchant(db);
    const other = await createMerchant(db);
    // 10 prompts completed in the last hour, 4 paid (or reversed): under half.
    for (const status of ["paid", "paid", "paid", "reversed", ...Array(6).fill("failed")])
      await createPayment(db, { merchantId: m.id, status });
    await createPayment(db, { merchantId: m.id, status: "pending" });
    await createInboxEntry(db, { merchantId: m.id, state: "pending", receivedAt: ago(301_000) });
    await createInboxEntry(db, { merchantId: m.id, state: "pending", receivedAt: ago(60_000) }); // not yet
    await createInboxEntry(db, { merchantId: m.id, state: "dead", processedAt: ago(3_600_000) });
    await createInboxEntry(db, { merchantId: m.id, state: "dead", processedAt: ago(90_000_000) }); // too old
    for (let i = 0; i < 6; i++)
      await db.darajaCall.create({
        data: {
          merchantId: m.id,
          method: "POST",
          path: "/mpesa/stkpush/v1/processrequest",
          latencyMs: 10,
          requestBody: {},
          responseBody: {},
          error: i < 5 ? "timeout" : null,
          startedAt: ago(60_000),
        },
      });
    await createPayout(db, { merchantId: m.id, status: "unknown", updatedAt: ago(3_700_000) });
    await db.webhookEndpoint.create({
      data: { merchantId: m.id, url: "https://example.com/h", secretSealed: "x", failureStreak: 3 },
    });
    // The other merchant's rows would trip every rule if they were counted.
    for (let i = 0; i < 10; i++) await createPayment(db, { merchantId: other.id, status: "failed" });

    const alerts = await findOwnerAlerts(db, { merchantId: m.id });
    expect(alerts.map((a) => a.id)).toEqual([
      "success_rate_drop",
      "inbox_backlog",
      "dead_callbacks",
      "daraja_errors",
      "payouts_stuck_unknown",
      "webhook_failure_streak",
    ]);
    expect(alerts[0]?.message).toBe("Only 4 of the last hour's 10 completed payment prompts were paid.");
    expect(alerts[1]?.message).toMatch(/^1 callback from M-Pesa/);
    expect(alerts[3]?.message).toBe("5 of 6 calls to M-Pesa failed in the last 10 minutes.");
    expect(await findOwnerAlerts(db, { merchantId: (await createMerchant(db)).id })).toEqual([]);
  });

  it("lets the banner reuse a merchant's alerts for a few seconds only", async () => {
    const m = await createMerchant(db);
    const t0 = new Date();
    expect(await findOwnerAlertsForBanner(db, { merchantId: m.id, now: t0 })).toEqual([]);
    await createInboxEntry(db, { merchantId: m.id, state: "dead", processedAt: new Date() });
    const soon = new Date(t0.getTime() + OWNER_ALERTS_CACHE_MS - 1);
    expect(await findOwnerAlertsForBanner(db, { merchantId: m.id, now: soon })).toEqual([]);
    const later = new Date(t0.getTime() + OWNER_ALERTS_CACHE_MS);
    expect((await findOwnerAlertsForBanner(db, { merchantId: m.id, now: later })).map((a) => a.id)).toEqual([
      "dead_callbacks",
    ]);
  });
});
