import { z } from "zod";
import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { maskEmail } from "../mask";
import { hashPassword, passwordProblem } from "../security/password";
import {
  ipThrottleKey,
  releaseSignInAttempt,
  reserveSignInAttempt,
  SIGN_IN_THROTTLE,
  type SignInThrottlePolicy,
} from "../security/sign-in-throttle";
import { text } from "../validation/text";
import { hashInvitationToken } from "./create-invitation";
import { invitationState } from "./get-invitation-by-token";

const tokenSchema = z.string().min(20).max(100);

/** The signed-in user joins (their id comes from the session, never from a form). */
export const joinInvitationSchema = z.object({ token: tokenSchema, signedInUserId: z.uuid() });

/** Someone new creates their account for the invited email. */
export const createAccountFromInvitationSchema = z.object({
  token: tokenSchema,
  name: text().trim().min(1, "Tell us your name.").max(100, "Use at most 100 characters."),
  password: z.string().max(256, "Use at most 256 characters."),
});

export type AcceptInvitationInput =
  | z.input<typeof joinInvitationSchema>
  | z.input<typeof createAccountFromInvitationSchema>;

/** The same answer whoever owns the email: it must not tell an inviter whether an account exists. */
export const SIGN_IN_FIRST = "Sign in first, then open this link again.";

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

/** A refusal decided inside the transaction that must be audited outside it (it rolls back). */
class AccountExists extends Error {
  constructor(readonly invitationId: string) {
    super("account exists");
  }
}

/**
 * Joins the team an invitation names, once (the invitation row is locked, so concurrent accepts
 * make one membership). Two ways in, and neither takes the password of an existing account, so a
 * link cannot be used to guess one:
 * - `signedInUserId`: whoever is signed in joins, only if the invitation is for their email.
 * - `name` + `password`: creates the account for the invited email, only if it has none; if it
 *   has one the answer is the neutral SIGN_IN_FIRST, audited and counted against the IP's
 *   sign-in throttle (it tells whoever holds the link that the email has an account).
 */
export async function acceptInvitation(
  db: DbClient,
  options: AcceptInvitationInput & { ip?: string | null; now?: Date; policy?: SignInThrottlePolicy },
) {
  const now = options.now ?? new Date();
  const ip = options.ip ?? null;
  if ("signedInUserId" in options) {
    const parsed = joinInvitationSchema.safeParse(options);
    if (!parsed.success) throw new AppError("validation_failed", "This invitation link is not valid.");
    return join(db, { ...parsed.data, ip, now });
  }
  const parsed = createAccountFromInvitationSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === "token" ? undefined : String(issue?.path[0]);
    throw new AppError(
      "validation_failed",
      field ? (issue?.message ?? "Fill in every field.") : "This invitation link is not valid.",
      { field },
    );
  }
  const ipKey = ipThrottleKey(ip);
  const reserved = await reserveSignInAttempt(db, {
    keys: [ipKey],
    policy: options.policy ?? SIGN_IN_THROTTLE,
    now,
  });
  if (!reserved.ok)
    throw new AppError("rate_limited", `Too many attempts, try again in ${reserved.retryAfterSeconds} s.`, {
      retryAfterSeconds: reserved.retryAfterSeconds,
    });
  try {
    const joined = await join(db, { ...parsed.data, ip, now });
    await releaseSignInAttempt(db, { clear: [], refund: [ipKey] });
    return joined;
  } catch (error) {
    if (!(error instanceof AccountExists)) {
      await releaseSignInAttempt(db, { clear: [], refund: [ipKey] });
      throw error;
    }
    // Kept out of the merchant's chain: the inviter must not learn from the log either.
    await appendAuditLog(db, {
      actor: { type: "anonymous", label: null },
      action: "team.invitation_account_exists",
      target: { type: "invitation", id: error.invitationId },
      ip,
    });
    throw new AppError("conflict", SIGN_IN_FIRST);
  }
}

async function join(
  db: DbClient,
  input: { token: string; ip: string | null; now: Date } & (
    | { signedInUserId: string }
    | { name: string; password: string }
  ),
) {
  return inTransaction(db, async (tx) => {
    const [invitation] = await tx.$queryRaw<LockedInvitation[]>`
      SELECT id, merchant_id, email, role, expires_at, accepted_at, revoked_at
      FROM invitations WHERE token_hash = ${hashInvitationToken(input.token)} FOR UPDATE`;
    if (!invitation) throw new AppError("not_found", "This invitation link is not valid.");
    const state = invitationState(
      {
        acceptedAt: invitation.accepted_at,
        revokedAt: invitation.revoked_at,
        expiresAt: invitation.expires_at,
      },
      input.now,
    );
    if (state !== "pending") throw new AppError("conflict", REFUSED[state]);

    let user: { id: string; email: string };
    if ("signedInUserId" in input) {
      const signedIn = await tx.user.findUnique({ where: { id: input.signedInUserId } });
      if (!signedIn || signedIn.disabledAt) throw new AppError("forbidden", "This account is disabled.");
      if (signedIn.email !== invitation.email)
        throw new AppError(
          "forbidden",
          `This invitation is for another account (${maskEmail(invitation.email)}). Sign out, then open the link again.`,
        );
      user = signedIn;
    } else {
      if (await tx.user.findUnique({ where: { email: invitation.email }, select: { id: true } }))
        throw new AccountExists(invitation.id);
      const problem = await passwordProblem(input.password, [invitation.email, input.name]);
      if (problem) throw new AppError("validation_failed", problem, { field: "password" });
      user = await tx.user.create({
        data: {
          email: invitation.email,
          name: input.name,
          passwordHash: await hashPassword(input.password),
        },
      });
    }
    await tx.membership.upsert({
      where: { userId_merchantId: { userId: user.id, merchantId: invitation.merchant_id } },
      create: { userId: user.id, merchantId: invitation.merchant_id, role: invitation.role },
      update: {},
    });
    await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: input.now } });
    await appendAuditLog(tx, {
      merchantId: invitation.merchant_id,
      actor: { type: "user", id: user.id, label: user.email },
      action: "team.invitation_accepted",
      target: { type: "invitation", id: invitation.id },
      metadata: { role: invitation.role, newAccount: !("signedInUserId" in input) },
      ip: input.ip,
    });
    const merchant = await tx.merchant.findUniqueOrThrow({
      where: { id: invitation.merchant_id },
      select: { slug: true },
    });
    return { userId: user.id, email: user.email, merchantSlug: merchant.slug, role: invitation.role };
  });
}
