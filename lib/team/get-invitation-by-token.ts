import type { DbClient } from "../db-types";
import { hashInvitationToken } from "./create-invitation";

export type InvitationState = "pending" | "accepted" | "revoked" | "expired";

/** The invitation behind a link, for the page that accepts it; null for an unknown token. */
export async function getInvitationByToken(db: DbClient, options: { token: string; now?: Date }) {
  if (options.token.length < 20 || options.token.length > 100) return null;
  const row = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(options.token) },
    include: { merchant: { select: { name: true } } },
  });
  if (!row) return null;
  const now = options.now ?? new Date();
  const state: InvitationState = row.acceptedAt
    ? "accepted"
    : row.revokedAt
      ? "revoked"
      : row.expiresAt <= now
        ? "expired"
        : "pending";
  const hasAccount = (await db.user.count({ where: { email: row.email } })) > 0;
  return { id: row.id, email: row.email, role: row.role, merchantName: row.merchant.name, state, hasAccount };
}
