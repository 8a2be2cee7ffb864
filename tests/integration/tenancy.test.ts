import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { generateApiKey } from "@/lib/security/api-keys";
import { resolveTenant } from "@/lib/tenancy/resolve-tenant";
import { tenantDb } from "@/lib/tenancy/tenant-db";
import { createUserSession } from "@/lib/users/create-user-session";
import { createMember, createMerchant } from "../factories";
import { testDb } from "./db";

describe("tenant isolation", () => {
  const db = testDb();

  async function twoMerchants() {
    const a = await createMember(db, { role: "owner" });
    const b = await createMember(db, { role: "owner" });
    const merchantA = await db.merchant.findUniqueOrThrow({ where: { id: a.merchantId } });
    const key = generateApiKey("simulator");
    const keyA = await db.apiKey.create({
      data: { merchantId: a.merchantId, name: "A's key", prefix: key.prefix, hash: key.hash },
    });
    return { a, b, merchantA, keyA };
  }

  /** A signed-in session of the user, as the session cookie names it. */
  async function sid(user: { id: string }) {
    return (await createUserSession(db, { userId: user.id, ip: null, userAgent: null })).id;
  }

  it("never resolves a user into a merchant they do not belong to, whatever slug they ask for", async () => {
    const { b, merchantA } = await twoMerchants();
    const ctx = await resolveTenant(db, {
      userId: b.user.id,
      sessionId: await sid(b.user),
      merchantSlug: merchantA.slug,
      permission: "dashboard:view",
    });
    expect(ctx.merchant.id).toBe(b.merchantId);
    expect(ctx.memberships.map((m) => m.merchant.id)).toEqual([b.merchantId]);
  });

  it("picks the requested merchant for a member of several", async () => {
    const { a } = await twoMerchants();
    const second = await createMerchant(db, { name: "Second shop" });
    await db.membership.create({ data: { userId: a.user.id, merchantId: second.id, role: "viewer" } });
    const ctx = await resolveTenant(db, {
      userId: a.user.id,
      sessionId: await sid(a.user),
      merchantSlug: second.slug,
      permission: "dashboard:view",
    });
    expect(ctx).toMatchObject({ merchant: { id: second.id }, role: "viewer" });
    await expect(
      resolveTenant(db, {
        userId: a.user.id,
        sessionId: await sid(a.user),
        merchantSlug: second.slug,
        permission: "apikeys:manage",
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
  });

  it("rejects unknown, disabled and merchant-less users", async () => {
    const { a } = await twoMerchants();
    await expect(
      resolveTenant(db, {
        userId: "00000000-0000-7000-8000-000000000000",
        sessionId: await sid(a.user),
        permission: "dashboard:view",
      }),
    ).rejects.toMatchObject({ code: "unauthenticated" });
    const aSession = await sid(a.user);
    await db.user.update({ where: { id: a.user.id }, data: { disabledAt: new Date() } });
    await expect(
      resolveTenant(db, { userId: a.user.id, sessionId: aSession, permission: "dashboard:view" }),
    ).rejects.toBeInstanceOf(AppError);
    const loner = await db.user.create({
      data: { email: "loner@example.com", name: "Loner", passwordHash: "x" },
    });
    await expect(
      resolveTenant(db, { userId: loner.id, sessionId: await sid(loner), permission: "dashboard:view" }),
    ).rejects.toMatchObject({ code: "forbidden" });
  });

  it("gives merchant B's scoped client nothing of merchant A's, by id or in lists, and no way to write to it", async () => {
    const { b, keyA } = await twoMerchants();
    const scoped = tenantDb(db, b.merchantId);
    expect(await scoped.apiKey.findUnique({ where: { id: keyA.id } })).toBeNull();
    expect(await scoped.apiKey.findMany({ where: { merchantId: keyA.merchantId } })).toEqual([]);
    expect(await scoped.apiKey.count()).toBe(0);
    expect(
      (await scoped.apiKey.updateMany({ where: { id: keyA.id }, data: { revokedAt: new Date() } })).count,
    ).toBe(0);
    await expect(
      scoped.apiKey.update({ where: { id: keyA.id }, data: { name: "stolen" } }),
    ).rejects.toThrow();
    await expect(scoped.apiKey.delete({ where: { id: keyA.id } })).rejects.toThrow();
    await expect(
      scoped.apiKey.create({
        data: { merchantId: keyA.merchantId, name: "planted", prefix: "p-planted", hash: "h-planted" },
      }),
    ).rejects.toThrow(/another merchant/);
    expect(await db.apiKey.findFirst({ where: { name: "planted" } })).toBeNull();
    expect(await db.apiKey.findUniqueOrThrow({ where: { id: keyA.id } })).toMatchObject({
      name: "A's key",
      revokedAt: null,
    });
  });
});
