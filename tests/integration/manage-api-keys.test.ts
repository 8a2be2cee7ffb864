import { describe, expect, it } from "vitest";
import { authenticateApiKey } from "@/lib/security/authenticate-api-key";
import { createApiKey, revokeApiKey } from "@/lib/security/manage-api-keys";
import { createMember } from "../factories";
import { testDb } from "./db";

describe("API keys from Settings", () => {
  const db = testDb();

  it("creates a key shown once, that authenticates until revoked; audited; another merchant cannot revoke it", async () => {
    const { user, merchantId } = await createMember(db, { role: "developer" });
    const actor = { id: user.id, label: user.email };
    const { key, apiKey } = await createApiKey(db, {
      merchantId,
      name: "Online shop",
      scopes: ["payments:write"],
      role: "developer",
      actor,
    });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(JSON.stringify(await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } }))).not.toContain(
      key,
    );
    expect(await authenticateApiKey(db, `Bearer ${key}`)).toMatchObject({
      merchantId,
      apiKeyId: apiKey.id,
      scopes: ["payments:write"],
    });

    const other = await createMember(db);
    await expect(
      revokeApiKey(db, { merchantId: other.merchantId, apiKeyId: apiKey.id, actor }),
    ).rejects.toMatchObject({ code: "not_found" });
    await revokeApiKey(db, { merchantId, apiKeyId: apiKey.id, actor });
    await expect(authenticateApiKey(db, `Bearer ${key}`)).rejects.toMatchObject({ code: "unauthenticated" });
    expect(
      (await db.auditLog.findMany({ where: { merchantId, targetId: apiKey.id } }))
        .map((r) => r.action)
        .sort(),
    ).toEqual(["apikey.created", "apikey.revoked"]);
    await expect(
      createApiKey(db, { merchantId, name: "  ", scopes: ["payments:read"], role: "developer", actor }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});
