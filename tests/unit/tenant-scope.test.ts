import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scopeArgs, TENANT_MODELS } from "@/lib/tenancy/tenant-db";

describe("tenant scoping", () => {
  it("knows every model that has a merchantId column", () => {
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    const models = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
    const withMerchant = models
      .filter(([, , body]) => /^\s+merchantId\s/m.test(body ?? ""))
      .map(([, name]) => name);
    expect(withMerchant.sort()).toEqual([...TENANT_MODELS].sort());
  });

  it("forces merchantId into filters, overriding what the caller passed", () => {
    expect(scopeArgs("ApiKey", "findMany", { where: { merchantId: "other", name: "x" } }, "m1")).toEqual({
      where: { merchantId: "m1", name: "x" },
    });
    expect(scopeArgs("ApiKey", "findUnique", { where: { id: "k" } }, "m1")).toEqual({
      where: { id: "k", merchantId: "m1" },
    });
    expect(scopeArgs("ApiKey", "deleteMany", {}, "m1")).toEqual({ where: { merchantId: "m1" } });
  });

  it("stamps merchantId on creates, and refuses a row meant for another merchant or for none", () => {
    expect(scopeArgs("ApiKey", "create", { data: { name: "x", merchantId: "m1" } }, "m1")).toEqual({
      data: { name: "x", merchantId: "m1" },
    });
    expect(() => scopeArgs("ApiKey", "create", { data: { name: "x", merchantId: "other" } }, "m1")).toThrow(
      /another merchant/,
    );
    // An audit entry for the global chain (merchantId null) must not be filed under this merchant.
    expect(() =>
      scopeArgs("AuditLog", "create", { data: { chain: "global", merchantId: null } }, "m1"),
    ).toThrow(/another merchant/);
    expect(() =>
      scopeArgs("ApiKey", "createMany", { data: [{ name: "a" }, { name: "b", merchantId: "other" }] }, "m1"),
    ).toThrow(/another merchant/);
    expect(scopeArgs("ApiKey", "createMany", { data: [{ name: "a" }, { name: "b" }] }, "m1")).toEqual({
      data: [
        { name: "a", merchantId: "m1" },
        { name: "b", merchantId: "m1" },
      ],
    });
  });

  it("leaves non-tenant models alone", () => {
    expect(scopeArgs("User", "findMany", { where: { email: "e" } }, "m1")).toEqual({ where: { email: "e" } });
  });
});
