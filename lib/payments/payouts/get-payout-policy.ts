import type { Role } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";

/** A merchant's payout policy as the core applies it (the defaults until an owner saves one). */
export interface PayoutPolicy {
  merchantId: string;
  /** Roles whose members may approve (never their own requests). */
  approverRoles: Role[];
  /** Whole KES: payouts above this need two distinct approvers; null: one is enough. */
  dualApprovalAbove: number | null;
  /** Whole KES: the largest single payout. */
  maxPerPayout: number;
  /** Whole KES approved per Kenyan day; null: no ceiling. */
  dailyCeiling: number | null;
  /** Payouts sent to Daraja per second for this merchant. */
  submitPerSecond: number;
  /** Null while the defaults apply. */
  updatedAt: Date | null;
  updatedById: string | null;
}

/** The same as the schema's column defaults, so "no row yet" and "a fresh row" behave alike. */
export const DEFAULT_PAYOUT_POLICY = {
  approverRoles: ["owner", "admin", "approver"] as Role[],
  dualApprovalAbove: null,
  maxPerPayout: 150_000,
  dailyCeiling: null,
  submitPerSecond: 2,
} as const satisfies Partial<PayoutPolicy>;

/** The merchant's payout policy; the defaults when no owner has saved one. */
export async function getPayoutPolicy(db: DbClient, options: { merchantId: string }): Promise<PayoutPolicy> {
  const row = await db.payoutPolicy.findUnique({ where: { merchantId: options.merchantId } });
  if (!row) {
    return {
      merchantId: options.merchantId,
      ...DEFAULT_PAYOUT_POLICY,
      approverRoles: [...DEFAULT_PAYOUT_POLICY.approverRoles],
      updatedAt: null,
      updatedById: null,
    };
  }
  return row;
}
