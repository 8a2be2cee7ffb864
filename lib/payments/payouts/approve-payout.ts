import type { Payout } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import {
  assertWithinLimits,
  lockMerchantApprovals,
  lockPayoutForDecision,
  type PayoutApprover,
} from "./payout-approval-rules";
import { payoutAuditFields, toPayoutResource } from "./payout-resource";

/**
 * One person approves a payout someone else requested. Refused for the requester, for a role the
 * policy or the permission table does not let approve, for a second decision by the same person,
 * and for anything not waiting for approval. The approval that completes the count (1, or 2 above
 * the policy's threshold) is checked against the daily ceiling and the utility balance and makes
 * the payout `approved`: `readyToSubmit` is true for exactly that call, so of two approvers
 * clicking at once only one hands it on for submission (the row lock orders them; the second
 * finds it already approved). Audited with the approver's IP.
 */
export async function approvePayout(
  db: DbClient,
  options: { merchantId: string; payoutId: string; approver: PayoutApprover; now?: Date },
): Promise<{ payout: Payout; readyToSubmit: boolean }> {
  const { merchantId, approver } = options;
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    await lockMerchantApprovals(tx, merchantId);
    const { payout, policy } = await lockPayoutForDecision(tx, {
      merchantId,
      payoutId: options.payoutId,
      approver,
      decision: "approve",
    });
    const approvals =
      (await tx.payoutApproval.count({ where: { payoutId: payout.id, decision: "approved" } })) + 1;
    const complete = approvals >= payout.approvalsRequired;
    if (complete) {
      await assertWithinLimits(tx, {
        merchantId,
        environment: payout.environment,
        adding: payout.amount,
        policy,
        now,
      });
    }
    await tx.payoutApproval.create({
      data: {
        merchantId,
        payoutId: payout.id,
        userId: approver.id,
        userLabel: approver.label,
        decision: "approved",
        ip: approver.ip ?? null,
        createdAt: now,
      },
    });
    const updated = complete
      ? await tx.payout.update({ where: { id: payout.id }, data: { status: "approved", approvedAt: now } })
      : payout;
    if (complete) {
      await recordEvent(tx, {
        merchantId,
        type: "payout.approved",
        objectId: updated.id,
        data: toPayoutResource(updated),
        now,
      });
    }
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: approver.id, label: approver.label, ip: approver.ip },
      action: "payout.approved",
      target: { type: "payout", id: payout.id },
      metadata: {
        ...payoutAuditFields(payout),
        approvals,
        approvalsRequired: payout.approvalsRequired,
        status: updated.status,
      },
    });
    return { payout: updated, readyToSubmit: complete };
  });
}
