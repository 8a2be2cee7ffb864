import type { MpesaEnvironment, Role } from "../../prisma/generated/prisma/enums";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { can, type Permission } from "../permissions";
import { activeSessionWhere, isSessionId } from "../users/session-rules";

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
  const { sessionId } = options;
  if (!isSessionId(sessionId)) throw new AppError("unauthenticated", "Please sign in again.");
  const user = await db.user.findUnique({
    where: { id: options.userId },
    select: {
      id: true,
      email: true,
      name: true,
      disabledAt: true,
      sessions: {
        where: { id: sessionId, ...activeSessionWhere(options.now ?? new Date()) },
        select: { id: true },
      },
      memberships: {
        select: { role: true, merchant: { select: { id: true, name: true, slug: true, environment: true } } },
        orderBy: { createdAt: "asc" },
      },
    },
  });
  if (!user || user.disabledAt || user.sessions.length === 0)
    throw new AppError("unauthenticated", "Please sign in again.");
  const { memberships } = user;
  const current = memberships.find((m) => m.merchant.slug === options.merchantSlug) ?? memberships[0];
  if (!current) throw new AppError("forbidden", "Your account does not belong to any merchant yet.");
  if (!can(current.role, options.permission)) {
    throw new AppError("forbidden", "Your role does not allow this.", {
      internal: `role ${current.role} lacks ${options.permission}`,
    });
  }
  return {
    user: { id: user.id, email: user.email, name: user.name },
    sessionId,
    merchant: current.merchant,
    role: current.role,
    memberships,
  };
}
