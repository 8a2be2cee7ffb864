import { z } from "zod";
import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { hashPassword, passwordProblem, verifyPassword } from "../security/password";
import { hashInvitationToken } from "./create-invitation";
import { invitationState } from "./get-invitation-by-token";

export const acceptInvitationSchema = z.object({
  token: z.string().min(20).max(100),
  name: z.string().trim().max(100).optional(),
  password: z.string().max(256),
});

const REFUSED = {
  accepted: "This invitation was already accepted: sign in instead.",
  revoked: "This invitation was withdrawn. Ask for a new one.",
  expired: "This invitation has expired. Ask for a new one.",
} as const;

type LockedInvitation = {
  id: string;
  merchant_id: string;
  email: string;
  role: Role;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
};

/**
 * Joins the team an invitation names, once. Someone new chooses their name and first password;
 * someone who already has a Malipo account (a member of another merchant) proves it with their
 * password instead. The invitation row is locked so two submissions cannot both succeed.
 */
export async function acceptInvitation(
  db: DbClient,
  options: z.input<typeof acceptInvitationSchema> & { ip?: string | null; now?: Date },
) {
  const input = acceptInvitationSchema.safeParse(options);
  if (!input.success) throw new AppError("validation_failed", "Fill in every field.");
  const { token, name, password } = input.data;
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    const [invitation] = await tx.$queryRaw<LockedInvitation[]>`
      SELECT id, merchant_id, email, role, expires_at, accepted_at, revoked_at
      FROM invitations WHERE token_hash = ${hashInvitationToken(token)} FOR UPDATE`;
    if (!invitation) throw new AppError("not_found", "This invitation link is not valid.");
    const state = invitationState(
      {
        acceptedAt: invitation.accepted_at,
        revokedAt: invitation.revoked_at,
        expiresAt: invitation.expires_at,
      },
      now,
    );
    if (state !== "pending") throw new AppError("conflict", REFUSED[state]);
    let user = await tx.user.findUnique({ where: { email: invitation.email } });
    const newAccount = !user;
    if (user) {
      if (user.disabledAt) throw new AppError("forbidden", "This account is disabled.");
      if (!(await verifyPassword(user.passwordHash, password)))
        throw new AppError("validation_failed", "That is not this account's password.", {
          field: "password",
        });
    } else {
      if (!name) throw new AppError("validation_failed", "Tell us your name.", { field: "name" });
      const problem = passwordProblem(password);
      if (problem) throw new AppError("validation_failed", problem, { field: "password" });
      user = await tx.user.create({
        data: { email: invitation.email, name, passwordHash: await hashPassword(password) },
      });
    }
    await tx.membership.upsert({
      where: { userId_merchantId: { userId: user.id, merchantId: invitation.merchant_id } },
      create: { userId: user.id, merchantId: invitation.merchant_id, role: invitation.role },
      update: {},
    });
    await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: now } });
    await appendAuditLog(tx, {
      merchantId: invitation.merchant_id,
      actor: { type: "user", id: user.id, label: user.email },
      action: "team.invitation_accepted",
      target: { type: "invitation", id: invitation.id },
      metadata: { role: invitation.role, newAccount },
      ip: options.ip ?? null,
    });
    const merchant = await tx.merchant.findUniqueOrThrow({
      where: { id: invitation.merchant_id },
      select: { slug: true },
    });
    return { userId: user.id, email: user.email, merchantSlug: merchant.slug, role: invitation.role };
  });
}
