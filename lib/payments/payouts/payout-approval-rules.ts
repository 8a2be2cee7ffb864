// The rules every approval obeys, whichever entry point it comes through (page, action, batch).
import type { Payout } from "../../../prisma/generated/prisma/client";
import type {
  MpesaEnvironment,
  PayoutDecision,
  PayoutStatus,
  Role,
} from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { formatKes, formatNairobiTime } from "../../format";
import { kenyanDayOf, kenyanDayRange } from "../../kenyan-days";
import { can } from "../../permissions";
import { getPayoutPolicy, type PayoutPolicy } from "./get-payout-policy";
import { lockPayout } from "./lock-payout";

/** A signed-in person deciding on payouts (tenant.actor): role as of this request, IP for the audit. */
export interface PayoutApprover {
  id: string;
  label: string;
  role: Role;
  ip?: string | null;
}

/** Approved today and still counting against the ceiling: failed, rejected and cancelled moved no money. */
const APPROVED_OR_LATER: PayoutStatus[] = ["approved", "submitted", "paid", "unknown", "needs_review"];
/** Approved and not yet settled: money the utility balance must still cover. */
const IN_FLIGHT: PayoutStatus[] = ["approved", "submitted", "unknown"];

/** What is being decided on: payouts and reversals (refunds) follow the same rules and policy. */
export type DecisionSubject = "payout" | "reversal";

/** Refuses people whose role may not approve: by the permission table, then the merchant's policy. */
export function assertMayDecide(
  policy: PayoutPolicy,
  approver: PayoutApprover,
  subject: DecisionSubject = "payout",
): void {
  if (!can(approver.role, "payouts:approve") || !policy.approverRoles.includes(approver.role)) {
    throw new AppError("forbidden", `Your role may not approve or reject ${subject}s for this merchant.`, {
      internal: `role ${approver.role} not in approver roles ${policy.approverRoles.join(",")}`,
    });
  }
}

/**
 * Whether `userId` stands behind a request: its requester, or the person who created the API key
 * it came through (a key is its creator's hand, so its requests are theirs for four eyes).
 */
export async function isRequester(
  tx: DbClient,
  request: { requestedById: string | null; requestedByApiKeyId: string | null },
  userId: string,
): Promise<boolean> {
  if (request.requestedById === userId) return true;
  if (!request.requestedByApiKeyId) return false;
  const key = await tx.apiKey.findUnique({
    where: { id: request.requestedByApiKeyId },
    select: { createdById: true },
  });
  return key?.createdById === userId;
}

/**
 * The four-eyes rules for one decision on a request locked by the caller, refusing (in this order)
 * a role that may not decide, the requester (or the creator of the API key it came through), a
 * request no longer waiting, and a second decision by the same person (`mine`).
 */
export async function assertMayDecideOn(
  tx: DbClient,
  options: {
    subject: DecisionSubject;
    policy: PayoutPolicy;
    approver: PayoutApprover;
    decision: "approve" | "reject";
    request: { status: string; requestedById: string | null; requestedByApiKeyId: string | null };
    mine: { decision: PayoutDecision } | null;
  },
): Promise<void> {
  const { subject, approver, request, mine } = options;
  assertMayDecide(options.policy, approver, subject);
  if (await isRequester(tx, request, approver.id))
    throw new AppError(
      "forbidden",
      options.decision === "approve"
        ? `You requested this ${subject}: someone else must approve it.`
        : `You requested this ${subject}: cancel it instead of rejecting it.`,
    );
  if (request.status !== "pending_approval")
    throw new AppError(
      "conflict",
      `This ${subject} is no longer waiting for approval (it is ${request.status}).`,
    );
  if (mine)
    throw new AppError(
      "conflict",
      mine.decision === "approved" && options.decision === "approve"
        ? `You already approved this ${subject}: a different person must give the second approval.`
        : `You already decided on this ${subject}.`,
    );
}

/**
 * Locks a payout for `approver` to approve or reject, refusing another merchant's or an unknown id,
 * then whatever assertMayDecideOn refuses. Returns the payout and the policy it was judged by.
 */
export async function lockPayoutForDecision(
  tx: DbClient,
  options: { merchantId: string; payoutId: string; approver: PayoutApprover; decision: "approve" | "reject" },
): Promise<{ payout: Payout; policy: PayoutPolicy }> {
  const { merchantId, approver } = options;
  const policy = await getPayoutPolicy(tx, { merchantId });
  const payout = await lockPayout(tx, { merchantId, payoutId: options.payoutId });
  if (!payout) throw new AppError("not_found", "No payout with this id.");
  const mine = await tx.payoutApproval.findUnique({
    where: { payoutId_userId: { payoutId: payout.id, userId: approver.id } },
  });
  await assertMayDecideOn(tx, {
    subject: "payout",
    policy,
    approver,
    decision: options.decision,
    request: payout,
    mine,
  });
  return { payout, policy };
}

/**
 * Serialises the approvals of one merchant (a transaction-scoped advisory lock, taken before any
 * payout row): two approvals of different payouts could otherwise each see room under the daily
 * ceiling or the balance that only one of them fits in.
 */
export async function lockMerchantApprovals(tx: DbClient, merchantId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`payout-approvals:${merchantId}`}, 0))`;
}

/**
 * Refuses, with the figures, an approval that would take the Kenyan day's approved total above
 * the policy's daily ceiling, or need more than the latest known B2C utility balance. The balance
 * check subtracts payouts still in flight and those paid since the balance was read; with no
 * balance on record it does not block (a merchant who never queried it is not locked out).
 */
export async function assertWithinLimits(
  tx: DbClient,
  options: {
    merchantId: string;
    environment: MpesaEnvironment;
    /** Whole KES about to become approved. */
    adding: number;
    policy: PayoutPolicy;
    now: Date;
  },
): Promise<void> {
  const { merchantId, environment, adding, policy, now } = options;
  if (policy.dailyCeiling !== null) {
    const today = kenyanDayOf(now);
    const approved = await tx.payout.aggregate({
      where: {
        merchantId,
        environment,
        status: { in: APPROVED_OR_LATER },
        approvedAt: kenyanDayRange(today, today),
      },
      _sum: { amount: true },
    });
    const sofar = approved._sum.amount ?? 0;
    if (sofar + adding > policy.dailyCeiling) {
      throw new AppError(
        "conflict",
        `Approving ${formatKes(adding)} would take today's approved payouts to ${formatKes(sofar + adding)}, above the daily ceiling of ${formatKes(policy.dailyCeiling)} (${formatKes(sofar)} approved so far today; ${formatKes(Math.max(0, policy.dailyCeiling - sofar))} left).`,
      );
    }
  }

  const balance = await tx.accountBalance.findFirst({
    where: { merchantId, environment, utilityAvailableCents: { not: null } },
    orderBy: [{ answeredAt: { sort: "desc", nulls: "last" } }, { requestedAt: "desc" }],
  });
  if (!balance || balance.utilityAvailableCents === null) return;
  const readAt = balance.answeredAt ?? balance.requestedAt;
  const [inFlight, paidSince] = await Promise.all([
    tx.payout.aggregate({
      where: { merchantId, environment, status: { in: IN_FLIGHT } },
      _sum: { amount: true },
    }),
    tx.payout.aggregate({
      where: { merchantId, environment, status: "paid", settledAt: { gt: readAt } },
      _sum: { amount: true },
    }),
  ]);
  const committed = (inFlight._sum.amount ?? 0) + (paidSince._sum.amount ?? 0);
  const availableCents = balance.utilityAvailableCents - BigInt(committed) * 100n;
  if (BigInt(adding) * 100n > availableCents) {
    const shillings = (cents: bigint) =>
      `KES ${(Number(cents) / 100).toLocaleString("en-KE", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    throw new AppError(
      "conflict",
      `Approving ${formatKes(adding)} needs more than the B2C utility balance: ${shillings(balance.utilityAvailableCents)} available at ${formatNairobiTime(readAt)}, ${formatKes(committed)} of it already committed to payouts in flight or paid since, leaving ${shillings(availableCents)}.`,
    );
  }
}
