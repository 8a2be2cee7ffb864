// Short versions of the drills in scripts/drills (issue 14), so `npm test` runs them: the same
// functions `npm run drill:*` runs at full size, with a small N.
import { describe, expect, it } from "vitest";
import { runDatabaseOutageDrill } from "@/scripts/drills/database-outage";
import { runDroppedCallbacksDrill } from "@/scripts/drills/dropped-callbacks";
import { runDuplicateCallbacksDrill } from "@/scripts/drills/duplicate-callbacks";
import { runKillRestartDrill } from "@/scripts/drills/kill-restart";
import { testDatabaseUrl } from "./db";

describe("drills (nothing lost), short versions", () => {
  it("5 concurrent copies of every callback settle each payment once", { timeout: 60_000 }, async () => {
    const { ok, facts } = await runDuplicateCallbacksDrill({ databaseUrl: testDatabaseUrl(), n: 20 });
    expect(facts).toMatchObject({ paid: 20, doubles: 0, callbacksStored: 100 });
    expect(ok).toBe(true);
  });

  it("30% of callbacks dropped: all recovered by the follow-up and a reconciliation run", {
    timeout: 60_000,
  }, async () => {
    const { ok, facts } = await runDroppedCallbacksDrill({ databaseUrl: testDatabaseUrl(), n: 30 });
    expect(facts).toMatchObject({ paid: 30, notPaid: 0, doubles: 0 });
    expect(ok).toBe(true);
  });

  it("kill -9 during a burst: every acknowledged callback settled after the restart, none twice", {
    timeout: 90_000,
  }, async () => {
    const { ok, facts } = await runKillRestartDrill({ databaseUrl: testDatabaseUrl(), n: 120, port: 0 });
    expect(facts).toMatchObject({ acknowledgedNotPaidAfterRestart: 0, doubles: 0 });
    expect(ok).toBe(true);
  });

  it("PostgreSQL down while callbacks arrive: all spooled and settled, none timed out meanwhile", {
    timeout: 90_000,
  }, async () => {
    const { ok, facts } = await runDatabaseOutageDrill({ n: 80, outageSeconds: 3, burstSeconds: 8 });
    expect(facts).toMatchObject({ timedOutWhileCallbackWaited: 0, lateSuccessReviewItems: 0, doubles: 0 });
    expect(ok).toBe(true);
  });
});
