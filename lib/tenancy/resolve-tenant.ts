import type { MpesaEnvironment, Role } from "../../prisma/generated/prisma/enums";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { can, type Permission } from "../permissions";
import { isSessionId } from "../users/session-rules";

export interface TenantMerchant {
  id: string;
  name: string;
  slug: string;
  environment: MpesaEnvironment;
}

export interface TenantContext {
  user: { id: string; email: string; name: string };
  /** The signed-in session this request came with (a UserSession id), e.g. to keep it alive. */
  sessionId: string;
  merchant: TenantMerchant;
  role: Role;
  /** Every merchant this user belongs to, for the switcher. */
  memberships: { merchant: TenantMerchant; role: Role }[];
}

/**
 * Who is acting, for which merchant, with which role: read fresh from the database on every
 * call so a removed membership, a disabled user or an ended session (`sessionId` from the
 * cookie: signed out, revoked or expired; see lib/users/session-rules.ts) loses access at once,
 * not at token expiry. A cookie without a session id predates sessions and is refused too.
 * `merchantSlug` is the user's chosen merchant; an unknown or foreign slug falls back to the
 * first membership rather than erroring, because it comes from a cookie the user controls.
 */
export async function resolveTenant(
  db: DbClient,
  options: {
    userId: string;
    sessionId: string | null | undefined;
    merchantSlug?: string | null;
    permission: Permission;
    now?: Date;
  },
): Promise<TenantContext> {
  const ctx = await resolveSignedInTenant(db, options);
  assertTenantPermission(ctx, options.permission);
  return ctx;
}

/**
 * resolveTenant without the role check: the database part, which one request may share between
 * its layout and its page (lib/session.ts), each then asking assertTenantPermission for its own
 * permission against the role read here.
 */
export async function resolveSignedInTenant(
  db: DbClient,
  options: { userId: string; sessionId: string | null | undefined; merchantSlug?: string | null; now?: Date },
): Promise<TenantContext> {
  const { sessionId } = options;
  if (!isSessionId(sessionId) || !isSessionId(options.userId))
    throw new AppError("unauthenticated", "Please sign in again.");
  // One statement (this runs on every dashboard request): the user, whether the cookie's session
  // is still active (the same rule as activeSessionWhere in lib/users/session-rules.ts: not
  // revoked, not expired), and the memberships with their merchants, oldest first.
  const [row] = await db.$queryRaw<
    {
      id: string;
      email: string;
      name: string;
      disabled_at: Date | null;
      session_active: boolean;
      memberships: { role: Role; merchant: TenantMerchant }[];
    }[]
  >`
    SELECT u.id, u.email, u.name, u.disabled_at,
      EXISTS (
        SELECT 1 FROM user_sessions s
        WHERE s.id = ${sessionId}::uuid AND s.user_id = u.id
          AND s.revoked_at IS NULL AND s.expires_at > ${options.now ?? new Date()}
      ) AS session_active,
      COALESCE((
        SELECT json_agg(json_build_object(
                 'role', m.role,
                 'merchant', json_build_object('id', c.id, 'name', c.name, 'slug', c.slug, 'environment', c.environment)
               ) ORDER BY m.created_at, m.id)
        FROM memberships m JOIN merchants c ON c.id = m.merchant_id
        WHERE m.user_id = u.id
      ), '[]'::json) AS memberships
    FROM users u WHERE u.id = ${options.userId}::uuid`;
  if (!row || row.disabled_at || !row.session_active)
    throw new AppError("unauthenticated", "Please sign in again.");
  const { memberships } = row;
  const current = memberships.find((m) => m.merchant.slug === options.merchantSlug) ?? memberships[0];
  if (!current) throw new AppError("forbidden", "Your account does not belong to any merchant yet.");
  return {
    user: { id: row.id, email: row.email, name: row.name },
    sessionId,
    merchant: current.merchant,
    role: current.role,
    memberships,
  };
}

/** Throws `forbidden` unless the tenant's role (as resolved for this request) grants `permission`. */
export function assertTenantPermission(ctx: Pick<TenantContext, "role">, permission: Permission): void {
  if (!can(ctx.role, permission)) {
    throw new AppError("forbidden", "Your role does not allow this.", {
      internal: `role ${ctx.role} lacks ${permission}`,
    });
  }
}
