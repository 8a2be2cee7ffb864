// What an API key may do. A key carries the scopes chosen when it was made, and never more than
// its creator's role could do in the dashboard: each scope names the permission it needs.
import { z } from "zod";
import type { Role } from "../../prisma/generated/prisma/enums";
import { can, type Permission } from "../permissions";

export const API_SCOPES = {
  "payments:read": { needs: "payments:view", label: "Read payments and checkout sessions" },
  "payments:write": { needs: "payments:create", label: "Start STK Push payments" },
  "checkout:write": { needs: "checkout:manage", label: "Create checkout sessions" },
  "payouts:read": { needs: "payouts:view", label: "Read payouts, batches and reversals" },
  "payouts:write": { needs: "payouts:request", label: "Request payouts and reversals (people approve them)" },
  "events:read": { needs: "payments:view", label: "Read events" },
  "webhooks:manage": { needs: "webhooks:manage", label: "Manage webhook endpoints" },
  "reconciliation:write": { needs: "reconciliation:manage", label: "Pull M-Pesa's transaction record" },
} as const satisfies Record<string, { needs: Permission; label: string }>;

export type ApiScope = keyof typeof API_SCOPES;

export const API_SCOPE_NAMES = Object.keys(API_SCOPES) as ApiScope[];

export const apiScopeSchema = z.enum(API_SCOPE_NAMES as [ApiScope, ...ApiScope[]]);

/** The scopes a member with this role may put on a key. */
export function grantableScopes(role: Role): ApiScope[] {
  return API_SCOPE_NAMES.filter((scope) => can(role, API_SCOPES[scope].needs));
}

/** Scopes as stored: unknown names (a scope since retired) are ignored, never granted. */
export function readScopes(stored: readonly string[] | null | undefined): ApiScope[] {
  return (stored ?? []).filter((scope): scope is ApiScope => scope in API_SCOPES);
}
