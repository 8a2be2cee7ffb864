import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { assertMayGrant } from "./rules";

export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

export const invitationInputSchema = z.object({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email("Enter the teammate's email address.")),
  role: z.enum(Role, "Choose a role."),
});

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Invites someone to the merchant's team with a role. Returns the link's token once: only its
 * hash is stored. Inviting an email again replaces its pending invitation (the old link stops
 * working); inviting an existing member is refused.
 */
export async function createInvitation(
  db: DbClient,
  options: {
    merchantId: string;
    email: string;
    role: Role;
    actor: UserActor & { role: Role };
    now?: Date;
  },
) {
  const input = invitationInputSchema.safeParse({ email: options.email, role: options.role });
  if (!input.success)
    throw new AppError("validation_failed", input.error.issues[0]?.message ?? "Check the invitation.");
  const { email, role } = input.data;
  assertMayGrant(options.actor.role, role);
  const now = options.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  return inTransaction(db, async (tx) => {
    const member = await tx.membership.findFirst({
      where: { merchantId: options.merchantId, user: { email } },
      select: { id: true },
    });
    if (member) throw new AppError("conflict", `${email} is already on this team.`);
    await tx.invitation.updateMany({
      where: { merchantId: options.merchantId, email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: now },
    });
    const invitation = await tx.invitation.create({
      data: {
        merchantId: options.merchantId,
        email,
        role,
        tokenHash: hashInvitationToken(token),
        invitedById: options.actor.id,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: "team.invited",
      target: { type: "invitation", id: invitation.id },
      metadata: { email, role },
    });
    return { token, invitation };
  });
}
