import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { createDarajaClient } from "@/lib/payments/daraja/client";
import { dbTokenStore } from "@/lib/payments/daraja/db-token-store";
import { startDarajaWorld } from "../support/daraja";
import { testDb } from "./db";

describe("Daraja tokens shared through PostgreSQL", () => {
  const db = testDb();
  const keyring = parseKeyring(generateKeyringSpec("t1"));
  let world: Awaited<ReturnType<typeof startDarajaWorld>>;
  beforeAll(async () => {
    world = await startDarajaWorld();
  });
  afterAll(() => world.close());

  it("lets many app instances share one OAuth call, stores the token sealed, and recovers from an expired one", async () => {
    const instances = Array.from({ length: 5 }, () =>
      createDarajaClient(world.client.config, {
        tokenStore: dbTokenStore(db, keyring),
        tokenKey: "merchant-1:simulator",
      }),
    );
    const urls = { resultUrl: world.receiver.url("/r"), timeoutUrl: world.receiver.url("/t") };
    await Promise.all(instances.flatMap((c) => Array.from({ length: 10 }, () => c.accountBalance(urls))));
    expect(world.sim.state.stats.oauthCalls).toBe(1);

    const row = await db.darajaToken.findUniqueOrThrow({ where: { key: "merchant-1:simulator" } });
    const [token] = [...world.sim.state.tokens.keys()];
    expect(row.tokenSealed).not.toContain(token);
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);

    await world.control("POST", "/sim/tokens/expire");
    await Promise.all(instances.map((c) => c.accountBalance(urls)));
    expect(world.sim.state.stats.oauthCalls).toBeLessThanOrEqual(3);
    const fresh = createDarajaClient(world.client.config, {
      tokenStore: dbTokenStore(db, keyring),
      tokenKey: "merchant-1:simulator",
    });
    await fresh.accountBalance(urls);
    expect(world.sim.state.stats.oauthCalls).toBeLessThanOrEqual(3);
  });
});
