import type { Reversal } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import type { PayoutApprover } from "../payouts/payout-approval-rules";
import { decisionNote } from "./decision-note";
import { lockReversalForDecision } from "./lock-reversal-for-decision";
import { reversalAuditFields } from "./reversal-resource";

/**
 * One person approves a reversal someone else requested, by the same rules as payouts (the payout
 * policy's approver roles, never the requester or the creator of the API key that asked, one
 * decision per person, two approvals above the policy's threshold). The approval that completes
 * the count makes it `approved` and returns `readyToSubmit` true for exactly that call, so of two
 * approvers clicking at once only one hands it on for submission. Audited with the approver's IP.
 */
export async function approveReversal(
  db: DbClient,
  options: { merchantId: string; reversalId: string; actor: PayoutApprover; note?: unknown; now?: Date },
): Promise<{ reversal: Reversal; readyToSubmit: boolean }> {
  const { merchantId, actor } = options;
  const note = decisionNote(options.note, { required: false });
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    const reversal = await lockReversalForDecision(tx, {
      merchantId,
      reversalId: options.reversalId,
      approver: actor,
      decision: "approve",
    });
    const approvals =
      (await tx.reversalApproval.count({ where: { reversalId: reversal.id, decision: "approved" } })) + 1;
    const complete = approvals >= reversal.approvalsRequired;
    await tx.reversalApproval.create({
      data: {
        merchantId,
        reversalId: reversal.id,
        userId: actor.id,
        userLabel: actor.label,
        decision: "approved",
        note,
        ip: actor.ip ?? null,
        createdAt: now,
      },
    });
    const updated = complete
      ? await tx.reversal.update({
          where: { id: reversal.id },
          data: { status: "approved", approvedAt: now },
        })
      : reversal;
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: actor.id, label: actor.label, ip: actor.ip },
      action: "reversal.approved",
      target: { type: "reversal", id: reversal.id },
      metadata: {
        ...reversalAuditFields(reversal),
        approvals,
        approvalsRequired: reversal.approvalsRequired,
        status: updated.status,
        note,
      },
    });
    return { reversal: updated, readyToSubmit: complete };
  });
}
