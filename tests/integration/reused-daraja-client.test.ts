// The Daraja client submitPayout reuses across a batch's sends: reused while the merchant's
// environment and credentials are unchanged, rebuilt the moment either changes, never kept past
// REUSED_CLIENT_MS, and always with the merchant's current callback secret.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  setMpesaInitiator,
  simulatorCredentials,
  upsertMpesaCredential,
} from "@/lib/merchants/mpesa-credentials";
import { getReusedDarajaClient, REUSED_CLIENT_MS } from "@/lib/payments/get-daraja-client";
import { createMerchant } from "../factories";
import { startCollectionsWorld } from "../support/collections";
import { testDb } from "./db";

describe("the reused Daraja client", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());

  it("is reused while nothing changed and rebuilt when the credentials or environment change", async () => {
    const merchantId = world.merchant.id;
    const first = await getReusedDarajaClient(db, world.deps, { merchantId });
    const again = await getReusedDarajaClient(db, world.deps, { merchantId });
    expect(again.client).toBe(first.client);

    // New credentials saved in Settings: the next send builds a client from them.
    await setMpesaInitiator(db, world.keyring, {
      merchantId,
      environment: "simulator",
      name: "other-initiator",
      password: "Safaricom999!*!",
      certificatePem: world.sim.certificatePem,
    });
    const rebuilt = await getReusedDarajaClient(db, world.deps, { merchantId });
    expect(rebuilt.client).not.toBe(first.client);
    expect(rebuilt.client.config.initiator?.name).toBe("other-initiator");

    // A new callback secret is read on every call, never kept.
    await db.merchant.update({ where: { id: merchantId }, data: { callbackSecret: "rotated-secret" } });
    const rotated = await getReusedDarajaClient(db, world.deps, { merchantId });
    expect(rotated.client).toBe(rebuilt.client);
    expect(rotated.merchant.callbackSecret).toBe("rotated-secret");

    // Switched to sandbox without sandbox credentials: refused as getDarajaClient refuses it.
    await db.merchant.update({ where: { id: merchantId }, data: { environment: "sandbox" } });
    await expect(getReusedDarajaClient(db, world.deps, { merchantId })).rejects.toThrow(/not set up/);
    await db.merchant.update({ where: { id: merchantId }, data: { environment: "simulator" } });
    const back = await getReusedDarajaClient(db, world.deps, { merchantId });
    expect(back.client.config.environment).toBe("simulator");
  });

  it("drops a client (and the secrets opened into it) after REUSED_CLIENT_MS", async () => {
    const merchant = await createMerchant(db, { environment: "simulator" });
    await upsertMpesaCredential(db, world.keyring, merchant.id, {
      ...simulatorCredentials(world.sim.certificatePem),
      environment: "simulator",
    });
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    try {
      const first = await getReusedDarajaClient(db, world.deps, { merchantId: merchant.id });
      vi.advanceTimersByTime(REUSED_CLIENT_MS - 1);
      expect((await getReusedDarajaClient(db, world.deps, { merchantId: merchant.id })).client).toBe(
        first.client,
      );
      vi.advanceTimersByTime(1);
      expect((await getReusedDarajaClient(db, world.deps, { merchantId: merchant.id })).client).not.toBe(
        first.client,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a merchant that does not exist", async () => {
    await expect(
      getReusedDarajaClient(db, world.deps, { merchantId: "00000000-0000-7000-8000-000000000000" }),
    ).rejects.toThrow(/not found/i);
  });
});
