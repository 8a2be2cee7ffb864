// The payouts drill (npm run drill:payouts: 1,000 payouts), small: Results lost and timed out by
// the simulator, every payout still paid exactly once through Transaction Status.
import { describe, expect, it } from "vitest";
import { runPayoutsDrill } from "../../scripts/drills/payouts";
import { testDb } from "./db";

describe("drill: payouts with lost and timed-out Results", () => {
  it("pays 30 payouts once each while 20% of Results are lost and 10% time out", async () => {
    const report = await runPayoutsDrill(testDb(), { payouts: 30, lost: 0.2, timedOut: 0.1 });
    expect(report.failures).toEqual([]);
    expect(report.statuses).toEqual({ paid: 30 });
    expect(report.sentTwice).toBe(0);
    expect(report.paidBy.result + report.paidBy.status).toBe(30);
    expect(report.paidBy.status).toBe(report.lostResults + report.timedOutResults);
    expect(report.paidBy.status).toBeGreaterThan(0);
  });
});
