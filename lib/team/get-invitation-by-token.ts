import type { DbClient } from "../db-types";
import { hashInvitationToken } from "./create-invitation";

export type InvitationState = "pending" | "accepted" | "revoked" | "expired";

/** Whether a link can still be used, and if not, why. */
export function invitationState(
  row: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now: Date,
): InvitationState {
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  return row.expiresAt <= now ? "expired" : "pending";
}

/** The invitation behind a link, for the page that accepts it; null for an unknown token. */
export async function getInvitationByToken(db: DbClient, options: { token: string; now?: Date }) {
  if (options.token.length < 20 || options.token.length > 100) return null;
  const row = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(options.token) },
    include: { merchant: { select: { name: true } } },
  });
  if (!row) return null;
  const state = invitationState(row, options.now ?? new Date());
  // Deliberately nothing about whether the email has an account: the page must not reveal it.
  return { id: row.id, email: row.email, role: row.role, merchantName: row.merchant.name, state };
}
