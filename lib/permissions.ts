// What each role may do. The server checks these on every tenant access (lib/tenancy); the UI
// only uses them to hide what would be refused anyway.
import type { Role } from "../prisma/generated/prisma/enums";

export const PERMISSIONS = [
  "dashboard:view",
  "payments:view",
  "payments:create",
  "phones:view_full",
  "checkout:manage",
  "payouts:view",
  "payouts:request",
  "payouts:approve",
  "review:resolve",
  /** Sign off a reconciliation day (one person is enough; it is audited and flagged if the day changes). */
  "reconciliation:sign_off",
  /** Import M-Pesa statements and see what they found. */
  "reconciliation:manage",
  "callbacks:view",
  "callbacks:replay",
  /** Refused callbacks (wrong secret, address not allowed, …): who is knocking at the callback URLs. */
  "security:view",
  "audit:view",
  "settings:view",
  "settings:manage",
  "mpesa:manage",
  "apikeys:manage",
  /** Webhook endpoints: add, change, rotate secrets, delete, test and resend deliveries. */
  "webhooks:manage",
  "team:manage",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const VIEW: Permission[] = ["dashboard:view", "payments:view", "payouts:view", "settings:view"];

/**
 * owner: everything. admin: everything but is never able to demote or remove an owner (enforced
 * in team actions). approver: approves payouts requested by others and resolves review items.
 * developer: API keys, callbacks and logs, creating test payments. viewer: read-only.
 */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS),
  approver: new Set<Permission>([
    ...VIEW,
    "phones:view_full",
    "payouts:approve",
    "review:resolve",
    "reconciliation:sign_off",
    "reconciliation:manage",
    "audit:view",
  ]),
  developer: new Set<Permission>([
    ...VIEW,
    "payments:create",
    "checkout:manage",
    "callbacks:view",
    "callbacks:replay",
    "apikeys:manage",
    "audit:view",
  ]),
  viewer: new Set<Permission>(VIEW),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  approver: "Approver",
  developer: "Developer",
  viewer: "Viewer",
};

/** What each role is for, in the words the team settings and the README use. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner:
    "Everything, including production M-Pesa credentials, switching to production and making or removing other owners; sees refused callbacks.",
  admin:
    "Everything except touching owners or production: team, test M-Pesa settings, API keys, payouts, reviews, refused callbacks.",
  approver:
    "Sees full phone numbers, approves payouts others requested, resolves mismatches, imports M-Pesa statements, signs off reconciliation days.",
  developer: "API keys, callbacks (view and replay), checkout links and test payments.",
  viewer: "Read-only: payments, payouts and settings, with phone numbers masked.",
};
