import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { getMpesaCredentialOrThrow } from "@/lib/merchants/mpesa-credentials";
import { registerC2bUrls } from "@/lib/merchants/register-c2b-urls";
import { saveMpesaCredential } from "@/lib/merchants/save-mpesa-credential";
import { setMerchantEnvironment } from "@/lib/merchants/set-merchant-environment";
import { createMember, createMerchant } from "../factories";
import { testDb } from "./db";

const keyring = parseKeyring(generateKeyringSpec("t1"));
const publicKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .publicKey.export({ type: "spki", format: "pem" })
  .toString();

describe("M-Pesa settings", () => {
  const db = testDb();
  const form = {
    environment: "sandbox" as const,
    accountType: "paybill" as const,
    stkShortcode: "174379",
    shortcode: "600999",
    consumerKey: "ck-very-secret-1",
    consumerSecret: "cs-very-secret-1",
    passkey: "pk-very-secret-1",
    initiatorName: "apiop",
    initiatorPassword: "init-very-secret-1",
    certificatePem: publicKeyPem,
  };

  it("seals every secret, keeps stored secrets when the form leaves them blank, audits without values", async () => {
    const { user, merchantId } = await createMember(db);
    const actor = { id: user.id, label: user.email, role: "admin" as const };
    await expect(
      saveMpesaCredential(db, keyring, { merchantId, actor, form: { ...form, passkey: "" } }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await saveMpesaCredential(db, keyring, { merchantId, actor, form });
    await db.darajaToken.create({
      data: { key: `${merchantId}:sandbox`, tokenSealed: "x", expiresAt: new Date(Date.now() + 3_600_000) },
    });
    const raw = JSON.stringify(await db.mpesaCredential.findFirstOrThrow({ where: { merchantId } }));
    for (const secret of ["ck-very-secret-1", "cs-very-secret-1", "pk-very-secret-1", "init-very-secret-1"])
      expect(raw).not.toContain(secret);

    // A second save with blank secrets and a new shortcode keeps the secrets, drops the cached token.
    await saveMpesaCredential(db, keyring, {
      merchantId,
      actor,
      form: {
        ...form,
        shortcode: "600111",
        consumerKey: "",
        consumerSecret: "",
        passkey: "",
        initiatorPassword: "",
        certificatePem: "",
      },
    });
    await setMerchantEnvironment(db, {
      merchantId,
      environment: "sandbox",
      actor: { ...actor, role: "admin" },
    });
    const opened = await getMpesaCredentialOrThrow(db, keyring, merchantId);
    expect(opened).toMatchObject({
      environment: "sandbox",
      shortcode: "600111",
      consumerKey: "ck-very-secret-1",
      passkey: "pk-very-secret-1",
      initiator: { name: "apiop", password: "init-very-secret-1", certificatePem: publicKeyPem.trim() },
    });
    expect(await db.darajaToken.count({ where: { key: `${merchantId}:sandbox` } })).toBe(0);
    const audit = await db.auditLog.findMany({ where: { merchantId }, orderBy: { seq: "asc" } });
    expect(audit.map((r) => r.action)).toEqual([
      "mpesa.credentials_added",
      "mpesa.credentials_updated",
      "merchant.environment_changed",
    ]);
    expect(audit[0]?.metadata).toMatchObject({
      secretsChanged: ["consumerKey", "consumerSecret", "passkey", "initiatorPassword"],
    });
    expect(audit[1]?.metadata).toMatchObject({ secretsChanged: [] });
    expect(JSON.stringify(audit.map((r) => r.metadata))).not.toContain("very-secret");
  });

  it("refuses bad input with a message naming the field, and a switch to an environment without credentials", async () => {
    const { user, merchantId } = await createMember(db);
    const actor = { id: user.id, label: user.email, role: "admin" as const };
    await expect(
      saveMpesaCredential(db, keyring, { merchantId, actor, form: { ...form, stkShortcode: "17-43" } }),
    ).rejects.toMatchObject({ publicMessage: expect.stringContaining("STK shortcode") });
    await expect(
      saveMpesaCredential(db, keyring, { merchantId, actor, form: { ...form, accountType: "till" } }),
    ).rejects.toMatchObject({ publicMessage: expect.stringContaining("Till number") });
    await expect(
      saveMpesaCredential(db, keyring, { merchantId, actor, form: { ...form, certificatePem: "not a pem" } }),
    ).rejects.toMatchObject({ publicMessage: expect.stringContaining("Certificate") });
    await expect(
      setMerchantEnvironment(db, {
        merchantId,
        environment: "production",
        actor: { ...actor, role: "owner" },
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      setMerchantEnvironment(db, {
        merchantId,
        environment: "production",
        actor: { ...actor, role: "admin" },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await db.mpesaCredential.count({ where: { merchantId } })).toBe(0);
    expect((await db.merchant.findUniqueOrThrow({ where: { id: merchantId } })).environment).toBe(
      "simulator",
    );
  });

  it("production credentials and C2B registration are owner-only; an owner's change is audited without values", async () => {
    const merchant = await createMerchant(db, { environment: "production" });
    const admin = await createMember(db, { role: "admin", merchantId: merchant.id });
    const owner = await createMember(db, { role: "owner", merchantId: merchant.id });
    const as = (m: typeof admin) => ({ id: m.user.id, label: m.user.email, role: m.membership.role });
    const production = { ...form, environment: "production" as const };
    await expect(
      saveMpesaCredential(db, keyring, { merchantId: merchant.id, actor: as(admin), form: production }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await db.mpesaCredential.count({ where: { merchantId: merchant.id } })).toBe(0);

    await saveMpesaCredential(db, keyring, { merchantId: merchant.id, actor: as(owner), form: production });
    // Once they exist an admin still cannot change a shortcode, even leaving the secrets blank.
    await expect(
      saveMpesaCredential(db, keyring, {
        merchantId: merchant.id,
        actor: as(admin),
        form: { ...production, shortcode: "600123", consumerKey: "", consumerSecret: "", passkey: "" },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await db.mpesaCredential.findFirstOrThrow({ where: { merchantId: merchant.id } })).toMatchObject({
      shortcode: form.shortcode,
    });
    // Other environments stay open to admins.
    await saveMpesaCredential(db, keyring, { merchantId: merchant.id, actor: as(admin), form });

    const audit = await db.auditLog.findMany({ where: { merchantId: merchant.id }, orderBy: { seq: "asc" } });
    expect(audit.map((r) => [r.action, r.actorId])).toEqual([
      ["mpesa.credentials_added", owner.user.id],
      ["mpesa.credentials_added", admin.user.id],
    ]);
    expect(audit[0]?.metadata).toMatchObject({ environment: "production", shortcode: form.shortcode });
    expect(JSON.stringify(audit.map((r) => r.metadata))).not.toContain("very-secret");

    // Registering the production C2B URLs is refused to the admin before anything reaches M-Pesa.
    const deps = { appUrl: "http://malipo.test" } as Parameters<typeof registerC2bUrls>[1];
    await expect(
      registerC2bUrls(db, deps, { merchantId: merchant.id, actor: { type: "user", ...as(admin) } }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      registerC2bUrls(db, deps, { merchantId: merchant.id, actor: { type: "user", ...as(owner) } }),
    ).rejects.not.toMatchObject({ code: "forbidden" });
  });
});
