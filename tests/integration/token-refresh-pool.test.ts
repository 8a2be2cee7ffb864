// A Daraja token refresh asked for by more requests at once than the database pool has
// connections: it used to stall for the 45 s lock timeout (each waiter held a pooled connection
// in a transaction waiting on the advisory lock, while the one holding the lock needed another
// connection to record its OAuth call), then fail every waiter. The payouts drill found it
// (scripts/drills/payouts.ts with --width 40): the failed sends were judged "maybe sent" and
// their payouts ended in review without ever reaching M-Pesa.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/lib/db";
import { getDarajaClient } from "@/lib/payments/get-daraja-client";
import { startCollectionsWorld } from "../support/collections";
import { testDatabaseUrl, testDb } from "./db";

describe("token refresh under a small database pool", () => {
  const db = testDb();
  const small = createDb(testDatabaseUrl(), { max: 2 });
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(async () => {
    await world.close();
    await small.$disconnect();
  });

  it("serves 12 concurrent calls needing a fresh token through a 2-connection pool in seconds, with one OAuth call", async () => {
    const urls = { resultUrl: `${world.appUrl}/r`, timeoutUrl: `${world.appUrl}/t` };
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const client = await getDarajaClient(small, world.deps, { merchantId: world.merchant.id });
        return client.accountBalance(urls);
      }),
    );
    expect(answers).toHaveLength(12);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(world.sim.state.stats.oauthCalls).toBe(1);
  });
});
