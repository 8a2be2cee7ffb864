import type { DbClient } from "../db-types";

/** Members (oldest first) and invitations still waiting, for the team settings. */
export async function findTeam(db: DbClient, options: { merchantId: string; now?: Date }) {
  const now = options.now ?? new Date();
  const [members, invitations] = await Promise.all([
    db.membership.findMany({
      where: { merchantId: options.merchantId },
      orderBy: { createdAt: "asc" },
      select: {
        id: true,
        role: true,
        createdAt: true,
        user: { select: { id: true, name: true, email: true, lastSignInAt: true, disabledAt: true } },
      },
    }),
    db.invitation.findMany({
      where: { merchantId: options.merchantId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { createdAt: "desc" },
      select: { id: true, email: true, role: true, expiresAt: true, createdAt: true },
    }),
  ]);
  return { members, invitations };
}
