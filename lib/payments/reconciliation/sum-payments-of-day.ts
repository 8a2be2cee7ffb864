import type { PaymentStatus } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";

/** Payment attempts started in one Kenyan day, by status (count and whole KES asked for). */
export type PaymentsOfDay = Partial<Record<PaymentStatus, { count: number; amountKes: number }>>;

/**
 * One range of the (merchant_id, created_at, id, status, amount) index, read index-only: the
 * figures the Overview shows for a day (collected = paid, settled = not pending) and the counts by
 * status a reconciliation day shows. Attempts belong to the day they were started, as the
 * Overview has always counted them.
 */
export async function sumPaymentsOfDay(
  db: DbClient,
  options: { merchantId: string; start: Date; end: Date },
): Promise<PaymentsOfDay> {
  const rows = await db.$queryRaw<{ status: PaymentStatus; count: bigint; amount: bigint | null }[]>`
    SELECT status, count(*) AS count, sum(amount) AS amount
    FROM payments
    WHERE merchant_id = ${options.merchantId}::uuid
      AND created_at >= ${options.start} AND created_at < ${options.end}
    GROUP BY status`;
  return Object.fromEntries(
    rows.map((r) => [r.status, { count: Number(r.count), amountKes: Number(r.amount ?? 0) }]),
  );
}

/** The Overview's four numbers of a day, from its counts by status. */
export function overviewFiguresOf(byStatus: PaymentsOfDay): {
  collected: number;
  paid: number;
  settled: number;
  total: number;
} {
  const all = Object.entries(byStatus);
  const total = all.reduce((n, [, v]) => n + v.count, 0);
  return {
    collected: byStatus.paid?.amountKes ?? 0,
    paid: byStatus.paid?.count ?? 0,
    settled: total - (byStatus.pending?.count ?? 0),
    total,
  };
}
