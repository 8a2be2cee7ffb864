import type { Role } from "../../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../../audit/append-audit-log";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { kenyanDaySchema } from "../../kenyan-days";
import { can } from "../../permissions";
import { reviewNote } from "../review/review-note";
import { todayInKenya } from "./reconciliation-figures";
import { refreshReconciliationDays } from "./refresh-reconciliation-days";

/**
 * An approver signs a past day off: as it stands when balanced, or with a note saying why when
 * review items are still open. A day no M-Pesa record covers yet cannot be signed off. One person
 * is enough (nothing moves money), and it is audited; the fingerprint stored with the sign-off is
 * what refreshReconciliationDays compares to flag a day that changes afterwards. `fingerprint`,
 * when given, is the one the person was looking at: a day that changed meanwhile is refused.
 */
export async function signOffReconciliationDay(
  db: DbClient,
  options: {
    merchantId: string;
    day: string;
    note?: string | null;
    fingerprint?: string | null;
    actor: UserActor & { role: Role };
    now?: Date;
  },
) {
  const { merchantId, actor } = options;
  if (!can(actor.role, "reconciliation:sign_off"))
    throw new AppError("forbidden", "Your role cannot sign off reconciliation days.");
  const day = kenyanDaySchema.safeParse(options.day);
  if (!day.success) throw new AppError("not_found", "No such day.");
  if (day.data >= todayInKenya(options.now ?? new Date()))
    throw new AppError("conflict", "A day can be signed off once it is over.");
  const note = options.note?.trim() ? reviewNote(options.note) : null;
  // Brought up to date (and its row locked while recomputing) before the decision.
  const [current] = await refreshReconciliationDays(db, {
    merchantId,
    from: day.data,
    to: day.data,
    now: options.now,
  });
  if (!current?.fingerprint) throw new AppError("not_found", "No such day.");
  if (options.fingerprint && options.fingerprint !== current.fingerprint)
    throw new AppError("conflict", "The day changed while you were looking at it: check it again.");
  if (current.state === "not_checked")
    throw new AppError(
      "conflict",
      "No M-Pesa record covers this day yet: pull transactions or import a statement first.",
    );
  if (current.state === "open_items" && !note)
    throw new AppError(
      "validation_failed",
      "Review items are still open: write a note saying why you sign off.",
      {
        field: "note",
      },
    );
  return inTransaction(db, async (tx) => {
    const [locked] = await tx.$queryRaw<
      {
        fingerprint: string | null;
        signed_off_fingerprint: string | null;
        changed: Date | null;
        stale: boolean;
      }[]
    >`
      SELECT fingerprint, signed_off_fingerprint, changed_after_sign_off_at AS changed, stale FROM reconciliation_days
      WHERE merchant_id = ${merchantId}::uuid AND day = ${day.data}::date FOR UPDATE`;
    if (!locked || locked.stale || locked.fingerprint !== current.fingerprint)
      throw new AppError("conflict", "The day changed while you were signing it off: check it again.");
    if (locked.signed_off_fingerprint && !locked.changed)
      throw new AppError("conflict", "This day is already signed off.");
    const signed = await tx.reconciliationDay.update({
      where: { merchantId_day: { merchantId, day: new Date(`${day.data}T00:00:00Z`) } },
      data: {
        signedOffAt: new Date(),
        signedOffById: actor.id,
        signedOffByLabel: actor.label,
        signedOffNote: note,
        signedOffFingerprint: current.fingerprint,
        changedAfterSignOffAt: null,
      },
    });
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: actor.id, label: actor.label, ip: actor.ip },
      action: "reconciliation.day_signed_off",
      target: { type: "reconciliation_day", id: day.data },
      metadata: {
        day: day.data,
        state: current.state,
        openItems: current.openItems,
        fingerprint: current.fingerprint,
        note,
        again: Boolean(locked.signed_off_fingerprint),
      },
    });
    return signed;
  });
}
