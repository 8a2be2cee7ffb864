// Which scopes each role may put on an API key: exactly those whose dashboard permission the role has.
import { describe, expect, it } from "vitest";
import { can, PERMISSIONS } from "@/lib/permissions";
import {
  API_SCOPE_NAMES,
  API_SCOPES,
  apiScopeSchema,
  grantableScopes,
  readScopes,
} from "@/lib/security/api-scopes";

describe("grantableScopes", () => {
  it.each([
    ["owner", API_SCOPE_NAMES],
    ["admin", API_SCOPE_NAMES],
    ["approver", ["payments:read", "payouts:read", "events:read", "reconciliation:write"]],
    ["developer", ["payments:read", "payments:write", "checkout:write", "payouts:read", "events:read"]],
    ["viewer", ["payments:read", "payouts:read", "events:read"]],
  ] as const)("%s may grant %j", (role, scopes) => {
    expect(grantableScopes(role)).toEqual(scopes);
    for (const scope of grantableScopes(role)) expect(can(role, API_SCOPES[scope].needs)).toBe(true);
  });

  it("keeps the issue 13 escalation shut: a developer cannot grant webhooks:manage or payouts:write", () => {
    expect(grantableScopes("developer")).not.toContain("webhooks:manage");
    expect(grantableScopes("developer")).not.toContain("payouts:write");
  });

  it("names only permissions that exist, and reads stored scopes leniently but never grants unknown ones", () => {
    for (const { needs } of Object.values(API_SCOPES)) expect(PERMISSIONS).toContain(needs);
    expect(readScopes(["payments:read", "retired:scope"])).toEqual(["payments:read"]);
    expect(readScopes(null)).toEqual([]);
    expect(apiScopeSchema.safeParse("payments:admin").success).toBe(false);
  });
});
