// The one way pages, server actions and route handlers reach tenant data for a signed-in user:
// session cookie → its session row still active → fresh membership and role check → a database
// client scoped to that merchant. Pages outside the dashboard ask currentSession() instead of
// next-auth's auth(), so a signed-out or revoked cookie counts as signed out everywhere.
import "server-only";
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "./db";
import { appUrl, getEnv } from "./env";
import { AppError } from "./errors";
import type { Permission } from "./permissions";
import { clientIp } from "./security/client-ip";
import {
  assertTenantPermission,
  resolveSignedInTenant,
  resolveTenant,
  type TenantContext,
} from "./tenancy/resolve-tenant";
import { type TenantDb, tenantDb } from "./tenancy/tenant-db";
import { getActiveUserSession } from "./users/get-active-user-session";
import { readSessionClaims } from "./users/read-session-claims";

export const MERCHANT_COOKIE = "malipo_merchant";

export interface Tenant extends TenantContext {
  db: TenantDb;
  /** Who is acting, as core operations and the audit log name them (with the request's IP). */
  actor: { id: string; label: string; role: TenantContext["role"]; ip: string | null };
}

async function toTenant(ctx: TenantContext): Promise<Tenant> {
  return {
    ...ctx,
    db: tenantDb(getDb(), ctx.merchant.id),
    actor: { id: ctx.user.id, label: ctx.user.email, role: ctx.role, ip: clientIp(await headers()) },
  };
}

/** What the session cookie claims (signed by us, not yet checked against the database). */
async function sessionClaims(): Promise<{ userId: string; sessionId: string | null } | null> {
  return readSessionClaims((await headers()).get("cookie"), getEnv().AUTH_SECRET);
}

/**
 * The signed-in user and session when the server still honours them (lib/users/session-rules.ts),
 * else null: for pages outside the dashboard (sign-in, sign-out, invitations) that only need to
 * know who is signed in. Dashboard code uses requireTenant(), which checks the same in one query.
 */
export const currentSession = cache(
  async (): Promise<{ userId: string; email: string; sessionId: string } | null> => {
    const claims = await sessionClaims();
    if (!claims) return null;
    const session = await getActiveUserSession(getDb(), claims);
    return session ? { userId: session.userId, email: session.user.email, sessionId: session.id } : null;
  },
);

/**
 * The session and membership check, once per request: React's cache() is scoped to one server
 * render, so the layout and the page share one lookup (a new request always reads fresh, so a
 * revoked session or removed membership still loses access on its next request).
 */
const loadTenant = cache(async (): Promise<Tenant> => {
  const claims = await sessionClaims();
  if (!claims) redirect("/login");
  const merchantSlug = (await cookies()).get(MERCHANT_COOKIE)?.value ?? null;
  try {
    return await toTenant(await resolveSignedInTenant(getDb(), { ...claims, merchantSlug }));
  } catch (error) {
    // Signed out elsewhere, revoked, expired or disabled: the cookie is dead, sign in again.
    if (error instanceof AppError && error.code === "unauthenticated") redirect("/login?expired=1");
    if (error instanceof AppError && error.code === "forbidden") forbidden();
    throw error;
  }
});

/**
 * The signed-in user's merchant, role and scoped db; redirects to sign-in or answers 403 otherwise.
 * Every call checks `permission` against the role this request resolved (in memory).
 */
export async function requireTenant(permission: Permission = "dashboard:view"): Promise<Tenant> {
  const tenant = await loadTenant();
  try {
    assertTenantPermission(tenant, permission);
  } catch {
    forbidden();
  }
  return tenant;
}

/**
 * The same checks for route handlers (JSON and file responses): a Response to return instead of
 * redirecting when the caller is not signed in (401) or not allowed (403).
 */
export async function tenantForRoute(permission: Permission): Promise<Tenant | Response> {
  const claims = await sessionClaims();
  if (!claims)
    return Response.json({ error: { code: "unauthenticated", message: "Sign in first." } }, { status: 401 });
  const merchantSlug = (await cookies()).get(MERCHANT_COOKIE)?.value ?? null;
  try {
    const ctx = await resolveTenant(getDb(), { ...claims, merchantSlug, permission });
    return await toTenant(ctx);
  } catch (error) {
    if (error instanceof AppError) {
      return Response.json(
        { error: { code: error.code, message: error.publicMessage } },
        { status: error.status },
      );
    }
    throw error;
  }
}

/** Remembers which of their merchants the user works in (validated against memberships on use). */
export async function setMerchantCookie(slug: string): Promise<void> {
  (await cookies()).set(MERCHANT_COOKIE, slug, {
    httpOnly: true,
    sameSite: "lax",
    secure: appUrl().startsWith("https:"),
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
}
