import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/auto-refresh";
import { DataTable } from "@/components/data-table";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { BATCH_PAGE_ROWS, findBatchPayouts } from "@/lib/payments/payouts/find-batch-payouts";
import { getPayoutBatch } from "@/lib/payments/payouts/get-payout-batch";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import { payoutMessage, toPayoutResource } from "@/lib/payments/payouts/payout-resource";
import { requireTenant } from "@/lib/session";
import { COMMAND_LABELS, recipientText } from "../../_components/labels";
import { ApproveBatchButton } from "../../_components/payout-actions";
import { PayoutStatus } from "../../_components/payout-status";

export const metadata: Metadata = { title: "Payout batch" };

/** Statuses that still move: while any row has one, the page refreshes itself. */
const MOVING = new Set(["pending_approval", "approved", "submitted", "unknown"]);

export default async function PayoutBatchPage({ params }: { params: Promise<{ id: string }> }) {
  const tenant = await requireTenant("payouts:view");
  const { id } = await params;
  const merchantId = tenant.merchant.id;
  const summary = await getPayoutBatch(tenant.db, { merchantId, batchId: id });
  if (!summary) notFound();
  const { batch, byStatus } = summary;
  const { viewer } = await getPayoutViewer(tenant.db, {
    merchantId,
    userId: tenant.user.id,
    role: tenant.role,
  });
  const rows = await findBatchPayouts(tenant.db, { merchantId, batchId: batch.id, viewer });
  const mine = batch.requestedById === tenant.user.id;
  return (
    <>
      <Link href="/payouts" className="text-sm text-brand-700 underline">
        ← Payouts
      </Link>
      <PageHeader
        title={batch.name}
        description={`${batch.count} payouts · ${formatKes(batch.total)} · requested by ${mine ? "you" : batch.requesterLabel} · ${formatNairobiTime(batch.createdAt)}`}
      />
      <div className="mb-6 flex flex-wrap items-start gap-4">
        <dl className="grid grid-cols-[auto_auto_auto] gap-x-4 gap-y-1 text-sm" data-testid="batch-totals">
          {byStatus.map((s) => (
            <div key={s.status} className="contents" data-testid={`batch-total-${s.status}`}>
              <dt>
                <PayoutStatus status={s.status} />
              </dt>
              <dd className="tabular-nums">{s.count}</dd>
              <dd className="text-right tabular-nums">{formatKes(s.total)}</dd>
            </div>
          ))}
        </dl>
        {byStatus.some((s) => MOVING.has(s.status)) ? <AutoRefresh /> : null}
      </div>
      {viewer.mayApprove && !mine && rows.waitingForViewer > 0 ? (
        <div className="mb-6">
          <ApproveBatchButton batchId={batch.id} waiting={rows.waitingForViewer} />
        </div>
      ) : mine && byStatus.some((s) => s.status === "pending_approval") ? (
        <p className="mb-6 text-sm text-slate-600">You requested this batch: someone else must approve it.</p>
      ) : null}
      <DataTable
        columns={[
          { label: "Row" },
          { label: "Amount", align: "right" },
          { label: "Recipient" },
          { label: "Type" },
          { label: "Status" },
          { label: "Detail" },
        ]}
        testId="batch-payouts"
      >
        {rows.data.map((p) => (
          <tr key={p.id} data-payout-id={p.id}>
            <td className="px-4 py-2 tabular-nums">
              <Link href={`/payouts/${p.id}`} className="text-brand-700 underline">
                {p.batchRow ?? "—"}
              </Link>
            </td>
            <td className="whitespace-nowrap px-4 py-2 text-right font-medium tabular-nums">
              {formatKes(p.amount)}
            </td>
            <td className="px-4 py-2 font-mono text-xs">{recipientText(toPayoutResource(p).recipient)}</td>
            <td className="px-4 py-2">{COMMAND_LABELS[p.command] ?? p.command}</td>
            <td className="px-4 py-2">
              <PayoutStatus status={p.status} />
            </td>
            <td className="max-w-80 truncate px-4 py-2 text-slate-600" title={payoutMessage(p)}>
              {payoutMessage(p)}
            </td>
          </tr>
        ))}
      </DataTable>
      {batch.count > rows.data.length ? (
        <p className="mt-2 text-sm text-slate-600">
          Showing the first {BATCH_PAGE_ROWS} rows; the totals above cover all {batch.count}. Export the
          payouts as CSV for the rest.
        </p>
      ) : null}
    </>
  );
}
