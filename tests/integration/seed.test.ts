import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { getMpesaCredentialOrThrow } from "@/lib/merchants/mpesa-credentials";
import { replayCallback } from "@/lib/payments/callbacks/replay-callback";
import { hashApiKey } from "@/lib/security/api-keys";
import { verifyPassword } from "@/lib/security/password";
import { DEMO_MERCHANTS, DEMO_USERS, linkDemoInitiator, seedDemo } from "@/prisma/seed";
import { testDb } from "./db";

describe("demo seed", () => {
  const db = testDb();
  const seed = {
    password: "demo-password-123",
    apiKey: "known-demo-key-for-scripts-0001",
    keyring: parseKeyring(generateKeyringSpec("t1")),
  };

  it("creates merchants, an owner in both, an approver and an API key, and is idempotent", async () => {
    expect(await seedDemo(db, seed)).toEqual({ created: true });
    expect(await seedDemo(db, { ...seed, password: "another-password" })).toEqual({ created: false });

    expect(await db.merchant.count()).toBe(DEMO_MERCHANTS.length);
    expect(await db.user.count()).toBe(DEMO_USERS.length);
    const owner = await db.user.findUniqueOrThrow({
      where: { email: "owner@duka.example" },
      include: { memberships: true },
    });
    expect(owner.memberships.map((m) => m.role).sort()).toEqual(["admin", "owner"]);
    expect(await verifyPassword(owner.passwordHash, seed.password)).toBe(true);

    const key = await db.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(seed.apiKey) } });
    expect(key.prefix).toBe(`known-de…${hashApiKey(seed.apiKey).slice(0, 8)}`);
    expect(await db.apiKey.count()).toBe(1);
    expect(await db.auditLog.count({ where: { action: "apikey.created" } })).toBe(1);
    expect(await db.mpesaCredential.count({ where: { environment: "simulator" } })).toBe(
      DEMO_MERCHANTS.length,
    );
  });

  it("links the demo merchants to the running simulator's initiator, leaving one changed in Settings alone", async () => {
    await seedDemo(db, seed);
    const [first, second] = await Promise.all(
      DEMO_MERCHANTS.map((m) => db.merchant.findUniqueOrThrow({ where: { slug: m.slug } })),
    );
    if (!first || !second) throw new Error("two demo merchants expected");
    await db.mpesaCredential.updateMany({
      where: { merchantId: second.id, environment: "simulator" },
      data: { initiatorName: "someone-else", certificatePem: "theirs" },
    });
    expect(await linkDemoInitiator(db, { keyring: seed.keyring, certificatePem: "PEM-OF-THIS-RUN" })).toBe(1);
    const opened = await getMpesaCredentialOrThrow(db, seed.keyring, first.id);
    expect(opened.initiator).toEqual({
      name: "testapi",
      password: "Safaricom999!*!",
      certificatePem: "PEM-OF-THIS-RUN",
    });
    expect(
      await db.mpesaCredential.findFirstOrThrow({
        where: { merchantId: second.id, environment: "simulator" },
      }),
    ).toMatchObject({ initiatorName: "someone-else", certificatePem: "theirs" });
  });

  it("gives the first merchant a fortnight of history once; its dead callback replays into the missing receipt", async () => {
    const merchant = await db.merchant.findUniqueOrThrow({ where: { slug: DEMO_MERCHANTS[0].slug } });
    expect(await db.payment.count({ where: { merchantId: merchant.id } })).toBe(49);
    await seedDemo(db, seed);
    expect(await db.payment.count({ where: { merchantId: merchant.id } })).toBe(49);
    expect(await db.reviewItem.count({ where: { merchantId: merchant.id, status: "open" } })).toBe(1);
    const dead = await db.callbackInbox.findFirstOrThrow({
      where: { merchantId: merchant.id, state: "dead" },
    });
    const owner = await db.user.findUniqueOrThrow({ where: { email: "owner@duka.example" } });
    expect(
      await replayCallback(db, {
        merchantId: merchant.id,
        inboxId: dead.id,
        keyring: seed.keyring,
        actor: { id: owner.id, label: owner.email },
      }),
    ).toBe("processed");
    expect(await db.payment.findFirstOrThrow({ where: { reference: "DEMO-REPLAY" } })).toMatchObject({
      status: "paid",
      receipt: "TLREPLAY01",
    });
    expect(await db.reviewItem.count({ where: { merchantId: merchant.id, status: "open" } })).toBe(1);
  });

  it("takes a new DEMO_API_KEY sharing its first 8 characters with the old one: the new one is active, the old one revoked", async () => {
    const next = "known-demo-key-for-scripts-0002";
    await seedDemo(db, { ...seed, apiKey: next });
    await seedDemo(db, { ...seed, apiKey: next });
    const keys = await db.apiKey.findMany({ orderBy: { createdAt: "asc" } });
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(2);
    expect(keys.map((k) => [k.hash, k.revokedAt === null])).toEqual([
      [hashApiKey(seed.apiKey), false],
      [hashApiKey(next), true],
    ]);
    expect(await db.auditLog.count({ where: { action: "apikey.revoked" } })).toBe(1);
  });
});
