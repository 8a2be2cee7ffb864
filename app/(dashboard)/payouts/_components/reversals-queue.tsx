// The Payouts page's "Reversals" section: refunds waiting for approval first, then the latest
// others, each linking to its payment's page, where it is approved, rejected or cancelled.
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/empty-state";
import { RequestStatus } from "@/components/request-status";
import type { DbClient } from "@/lib/db-types";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { findReversals } from "@/lib/payments/reversals/find-reversals";

/** Reversals for the queue: every pending one (up to 50), then the 10 latest of the rest. */
export async function loadReversalsQueue(db: DbClient, merchantId: string) {
  const [pending, latest] = await Promise.all([
    findReversals(db, { merchantId, status: "pending_approval", limit: 50 }),
    findReversals(db, { merchantId, limit: 20 }),
  ]);
  const others = latest.data.filter((r) => r.status !== "pending_approval").slice(0, 10);
  return { rows: [...pending.data, ...others], pending: pending.data.length };
}

export function ReversalsQueue({
  queue,
  userId,
  mayApprove,
}: {
  queue: Awaited<ReturnType<typeof loadReversalsQueue>>;
  userId: string;
  mayApprove: boolean;
}) {
  return (
    <section id="reversals" className="mt-8 space-y-3" aria-labelledby="reversals-heading">
      <div className="flex flex-wrap items-baseline gap-2">
        <h2 id="reversals-heading" className="text-base font-semibold">
          Reversals
        </h2>
        <span className="text-sm text-slate-600" data-testid="reversals-pending-count">
          {queue.pending} waiting for approval
        </span>
      </div>
      <p className="text-sm text-slate-600">
        Refunds of received payments. One person requests from the payment&apos;s page, someone else approves
        there.
      </p>
      {queue.rows.length === 0 ? (
        <EmptyState title="No reversals">
          Refunds requested from a payment&apos;s page appear here.
        </EmptyState>
      ) : (
        <DataTable
          columns={[
            { label: "When (EAT)" },
            { label: "Amount", align: "right" },
            { label: "Receipt" },
            { label: "Reason" },
            { label: "Requested by" },
            { label: "Status" },
            { label: "" },
          ]}
          testId="reversals-table"
        >
          {queue.rows.map((r) => {
            const mine = r.requestedById === userId;
            return (
              <tr key={r.id} data-reversal-id={r.id}>
                <td className="whitespace-nowrap text-slate-600">{formatNairobiTime(r.createdAt)}</td>
                <td className="whitespace-nowrap text-right font-medium tabular-nums">
                  {formatKes(r.amount)}
                </td>
                <td className="font-mono text-xs">{r.originalReceipt}</td>
                <td className="max-w-48 truncate" title={r.reason}>
                  {r.reason}
                </td>
                <td className="max-w-40 truncate text-slate-600" title={r.requesterLabel}>
                  {mine ? "You" : r.requesterLabel}
                </td>
                <td>
                  <RequestStatus status={r.status} />
                </td>
                <td className="whitespace-nowrap">
                  <Link
                    href={`/payments/${r.paymentId}`}
                    className="text-brand-700 underline-offset-2 hover:underline"
                  >
                    {r.status === "pending_approval" && mayApprove && !mine ? "Review" : "Open payment"}
                  </Link>
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </section>
  );
}
