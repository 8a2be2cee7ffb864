import type { DbClient } from "../db-types";
import { AppError } from "../errors";

/** The member with this membership id on the merchant, locked for the change, or not_found. */
export async function lockMember(tx: DbClient, merchantId: string, membershipId: string) {
  const member = await tx.membership.findFirst({
    where: { id: membershipId, merchantId },
    include: { user: { select: { email: true } } },
  });
  if (!member) throw new AppError("not_found", "No such team member.");
  await tx.$executeRaw`SELECT 1 FROM memberships WHERE id = ${member.id}::uuid FOR UPDATE`;
  return member;
}
