// The one way pages, server actions and route handlers reach tenant data for a signed-in user:
// session → fresh membership and role check → a database client scoped to that merchant.
import "server-only";
import { cookies } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { auth } from "./auth";
import { getDb } from "./db";
import { appUrl } from "./env";
import { AppError } from "./errors";
import type { Permission } from "./permissions";
import { resolveTenant, type TenantContext } from "./tenancy/resolve-tenant";
import { type TenantDb, tenantDb } from "./tenancy/tenant-db";

export const MERCHANT_COOKIE = "malipo_merchant";

export interface Tenant extends TenantContext {
  db: TenantDb;
  /** Who is acting, as core operations and the audit log name them. */
  actor: { id: string; label: string; role: TenantContext["role"] };
}

function toTenant(ctx: TenantContext): Tenant {
  return {
    ...ctx,
    db: tenantDb(getDb(), ctx.merchant.id),
    actor: { id: ctx.user.id, label: ctx.user.email, role: ctx.role },
  };
}

const loadTenant = cache(async (permission: Permission): Promise<Tenant> => {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) redirect("/login");
  const merchantSlug = (await cookies()).get(MERCHANT_COOKIE)?.value ?? null;
  try {
    const ctx = await resolveTenant(getDb(), { userId, merchantSlug, permission });
    return toTenant(ctx);
  } catch (error) {
    if (error instanceof AppError && error.code === "unauthenticated") redirect("/logout?expired=1");
    if (error instanceof AppError && error.code === "forbidden") forbidden();
    throw error;
  }
});

/** The signed-in user's merchant, role and scoped db; redirects to sign-in or answers 403 otherwise. */
export function requireTenant(permission: Permission = "dashboard:view"): Promise<Tenant> {
  return loadTenant(permission);
}

/**
 * The same checks for route handlers (JSON and file responses): a Response to return instead of
 * redirecting when the caller is not signed in (401) or not allowed (403).
 */
export async function tenantForRoute(permission: Permission): Promise<Tenant | Response> {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId)
    return Response.json({ error: { code: "unauthenticated", message: "Sign in first." } }, { status: 401 });
  const merchantSlug = (await cookies()).get(MERCHANT_COOKIE)?.value ?? null;
  try {
    const ctx = await resolveTenant(getDb(), { userId, merchantSlug, permission });
    return toTenant(ctx);
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
