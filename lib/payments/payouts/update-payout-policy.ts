import { z } from "zod";
import type { Role } from "../../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { blankToUndefined } from "../../kenyan-days";
import { DEFAULT_MAX_AMOUNT_KES } from "../money";
import { getPayoutPolicy, type PayoutPolicy } from "./get-payout-policy";
import { MIN_PAYOUT_KES } from "./payout-input";

const wholeKes = (field: string) =>
  z.coerce
    .number({ error: `${field} must be a whole number of shillings` })
    .int(`${field} must be a whole number of shillings`)
    .positive(`${field} must be more than 0`);

/** "" or null clears an optional limit (a cleared form field); absent keeps the current value. */
const optionalLimit = (field: string) =>
  z.preprocess((v) => (v === "" ? null : v), z.union([z.null(), wholeKes(field)]).optional());

/** What an owner may change; every field is optional and keeps its current value when absent. */
export const payoutPolicySchema = z.object({
  approverRoles: z
    .array(
      z.enum(["owner", "admin", "approver"], {
        error: "approverRoles may contain owner, admin and approver",
      }),
    )
    .min(1, "At least one role must be able to approve payouts.")
    .optional(),
  dualApprovalAbove: optionalLimit("dualApprovalAbove"),
  maxPerPayout: z.preprocess(
    blankToUndefined,
    wholeKes("maxPerPayout")
      .min(MIN_PAYOUT_KES, `maxPerPayout must be at least KES ${MIN_PAYOUT_KES}`)
      // M-Pesa refuses more than this in one transaction (docs/daraja.md §16).
      .max(
        DEFAULT_MAX_AMOUNT_KES,
        `maxPerPayout can be at most KES ${DEFAULT_MAX_AMOUNT_KES} (M-Pesa's limit)`,
      )
      .optional(),
  ),
  dailyCeiling: optionalLimit("dailyCeiling"),
  submitPerSecond: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: "submitPerSecond must be a whole number from 1 to 20" })
      .int("submitPerSecond must be a whole number from 1 to 20")
      .min(1, "submitPerSecond must be a whole number from 1 to 20")
      .max(20, "submitPerSecond must be a whole number from 1 to 20")
      .optional(),
  ),
});

export type PayoutPolicyInput = z.input<typeof payoutPolicySchema>;

const FIELDS = [
  "approverRoles",
  "dualApprovalAbove",
  "maxPerPayout",
  "dailyCeiling",
  "submitPerSecond",
] as const;

/**
 * Saves the merchant's payout policy. Owners only, checked here so no page or action can forget
 * it: the policy decides who may let money leave. Audited with each changed field's old and new
 * value. Payouts already requested keep the number of approvals they were given.
 */
export async function updatePayoutPolicy(
  db: DbClient,
  options: {
    merchantId: string;
    actor: { id: string; label: string; role: Role; ip?: string | null };
    changes: PayoutPolicyInput;
  },
): Promise<PayoutPolicy> {
  if (options.actor.role !== "owner")
    throw new AppError("forbidden", "Only an owner can change the payout policy.", {
      internal: `role ${options.actor.role} tried to change the payout policy`,
    });
  const parsed = payoutPolicySchema.safeParse(options.changes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "policy");
    throw new AppError("validation_failed", issue?.message ?? "Check the payout policy.", { field });
  }
  const changes = parsed.data;
  return inTransaction(db, async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`payout-policy:${options.merchantId}`}, 0))`;
    const before = await getPayoutPolicy(tx, { merchantId: options.merchantId });
    const next = {
      approverRoles: changes.approverRoles ? [...new Set(changes.approverRoles)] : before.approverRoles,
      dualApprovalAbove:
        changes.dualApprovalAbove === undefined ? before.dualApprovalAbove : changes.dualApprovalAbove,
      maxPerPayout: changes.maxPerPayout ?? before.maxPerPayout,
      dailyCeiling: changes.dailyCeiling === undefined ? before.dailyCeiling : changes.dailyCeiling,
      submitPerSecond: changes.submitPerSecond ?? before.submitPerSecond,
    };
    const from: Record<string, unknown> = {};
    const to: Record<string, unknown> = {};
    for (const field of FIELDS) {
      if (JSON.stringify(before[field]) !== JSON.stringify(next[field])) {
        from[field] = before[field];
        to[field] = next[field];
      }
    }
    if (Object.keys(to).length === 0) return before;
    const saved = await tx.payoutPolicy.upsert({
      where: { merchantId: options.merchantId },
      create: { merchantId: options.merchantId, ...next, updatedById: options.actor.id },
      update: { ...next, updatedById: options.actor.id },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: "payout_policy.updated",
      target: { type: "merchant", id: options.merchantId },
      metadata: { from, to },
    });
    return saved;
  });
}
