import type { MpesaEnvironment } from "../../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { isUuid } from "../../validation/id";
import { getPayoutPolicy } from "./get-payout-policy";
import {
  assertMayDecide,
  assertWithinLimits,
  isRequester,
  lockMerchantApprovals,
  type PayoutApprover,
} from "./payout-approval-rules";

/**
 * One person approves every payout of a batch that still waits for them, under the same rules as
 * approvePayout: never the batch's requester, only approving roles, one decision per person, and
 * the payouts this completes are checked together against the daily ceiling and the balance
 * (refused as a whole, with the figures). All or nothing, in one transaction with the rows locked.
 * Returns the ids that became `approved` (ready to submit) and those still waiting for a second
 * approver. Audited once for the batch.
 */
export async function approvePayoutBatch(
  db: DbClient,
  options: { merchantId: string; batchId: string; approver: PayoutApprover; now?: Date },
): Promise<{ readyToSubmit: string[]; awaitingSecondApproval: string[] }> {
  const { merchantId, approver } = options;
  const now = options.now ?? new Date();
  if (!isUuid(options.batchId)) throw new AppError("not_found", "No payout batch with this id.");
  return inTransaction(
    db,
    async (tx) => {
      await lockMerchantApprovals(tx, merchantId);
      const policy = await getPayoutPolicy(tx, { merchantId });
      const batch = await tx.payoutBatch.findFirst({ where: { id: options.batchId, merchantId } });
      if (!batch) throw new AppError("not_found", "No payout batch with this id.");
      assertMayDecide(policy, approver);
      if (await isRequester(tx, batch, approver.id))
        throw new AppError("forbidden", "You requested this batch: someone else must approve it.");
      // Lock in id order, as any other multi-row locker must, so two never wait on each other.
      const locked = await tx.$queryRaw<
        {
          id: string;
          amount: number;
          environment: MpesaEnvironment;
          approvals_required: number;
          requested_by_id: string | null;
          approvals: number;
          mine: boolean;
        }[]
      >`
        SELECT p.id, p.amount, p.environment, p.approvals_required, p.requested_by_id,
          (SELECT count(*)::int FROM payout_approvals a WHERE a.payout_id = p.id AND a.decision = 'approved') AS approvals,
          EXISTS (SELECT 1 FROM payout_approvals a WHERE a.payout_id = p.id AND a.user_id = ${approver.id}::uuid) AS mine
        FROM payouts p
        WHERE p.batch_id = ${batch.id}::uuid AND p.merchant_id = ${merchantId}::uuid AND p.status = 'pending_approval'
        ORDER BY p.id
        FOR UPDATE OF p`;
      // A row requested by someone other than the batch's requester is not possible today; the
      // rule holds per row anyway.
      const payouts = locked.filter((p) => !p.mine && p.requested_by_id !== approver.id);
      if (payouts.length === 0)
        throw new AppError("conflict", "Nothing in this batch is waiting for your approval.");
      const completing = payouts.filter((p) => p.approvals + 1 >= p.approvals_required);
      const waiting = payouts.filter((p) => p.approvals + 1 < p.approvals_required);
      for (const environment of new Set(completing.map((p) => p.environment))) {
        await assertWithinLimits(tx, {
          merchantId,
          environment,
          adding: completing.filter((p) => p.environment === environment).reduce((s, p) => s + p.amount, 0),
          policy,
          now,
        });
      }
      // Set-based: one INSERT and one UPDATE however many rows (10,000 through Prisma took seconds).
      await tx.$executeRaw`
        INSERT INTO payout_approvals (id, merchant_id, payout_id, user_id, user_label, decision, ip, created_at)
        SELECT gen_random_uuid(), ${merchantId}::uuid, payout_id, ${approver.id}::uuid, ${approver.label},
          'approved', ${approver.ip ?? null}, ${now}
        FROM unnest(${payouts.map((p) => p.id)}::uuid[]) AS payout_id`;
      const readyToSubmit = completing.map((p) => p.id);
      await tx.$executeRaw`
        UPDATE payouts SET status = 'approved', approved_at = ${now}, updated_at = ${now}
        WHERE id = ANY(${readyToSubmit}::uuid[])`;
      await appendAuditLog(tx, {
        merchantId,
        actor: { type: "user", id: approver.id, label: approver.label, ip: approver.ip },
        action: "payout_batch.approved",
        target: { type: "payout_batch", id: batch.id },
        metadata: {
          name: batch.name,
          approved: payouts.length,
          readyToSubmit: readyToSubmit.length,
          readyTotal: completing.reduce((s, p) => s + p.amount, 0),
          awaitingSecondApproval: waiting.length,
        },
      });
      return { readyToSubmit, awaitingSecondApproval: waiting.map((p) => p.id) };
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}
