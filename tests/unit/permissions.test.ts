import { describe, expect, it } from "vitest";
import { can, PERMISSIONS } from "@/lib/permissions";
import { Role } from "@/prisma/generated/prisma/enums";

describe("role permissions", () => {
  it("gives owners every permission", () => {
    for (const permission of PERMISSIONS) expect(can("owner", permission)).toBe(true);
  });

  it("keeps viewers read-only", () => {
    const writes = PERMISSIONS.filter((p) => !p.endsWith(":view"));
    for (const permission of writes) expect(can("viewer", permission), permission).toBe(false);
  });

  it("lets approvers approve payouts but not request them or manage keys", () => {
    expect(can("approver", "payouts:approve")).toBe(true);
    expect(can("approver", "payouts:request")).toBe(false);
    expect(can("approver", "apikeys:manage")).toBe(false);
  });

  it("lets developers manage API keys but never approve payouts or manage the team", () => {
    expect(can("developer", "apikeys:manage")).toBe(true);
    expect(can("developer", "payouts:approve")).toBe(false);
    expect(can("developer", "team:manage")).toBe(false);
  });

  it("covers every role in the schema", () => {
    for (const role of Object.values(Role)) expect(() => can(role, "dashboard:view")).not.toThrow();
  });
});
