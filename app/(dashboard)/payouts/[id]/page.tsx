import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/auto-refresh";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { getPayoutTimeline } from "@/lib/payments/payouts/get-payout-timeline";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import { toPayoutResource } from "@/lib/payments/payouts/payout-resource";
import { requireTenant } from "@/lib/session";
import { COMMAND_LABELS, recipientText } from "../_components/labels";
import { PayoutActions } from "../_components/payout-actions";
import { PayoutStatus } from "../_components/payout-status";

export const metadata: Metadata = { title: "Payout" };

/** Statuses that still move without anyone doing anything. */
const MOVING = new Set(["approved", "submitted", "unknown"]);

export default async function PayoutPage({ params }: { params: Promise<{ id: string }> }) {
  const tenant = await requireTenant("payouts:view");
  const { id } = await params;
  const merchantId = tenant.merchant.id;
  const timeline = await getPayoutTimeline(tenant.db, { merchantId, payoutId: id });
  if (!timeline) notFound();
  const { payout, events } = timeline;
  const { viewer } = await getPayoutViewer(tenant.db, {
    merchantId,
    userId: tenant.user.id,
    role: tenant.role,
  });
  const mine = payout.requestedById === tenant.user.id;
  const decided = payout.approvals.some((a) => a.userId === tenant.user.id);
  const resource = toPayoutResource(payout);
  return (
    <>
      <Link href="/payouts" className="text-sm text-brand-700 underline">
        ← Payouts
      </Link>
      <PageHeader
        title={`${formatKes(payout.amount)} · ${recipientText(resource.recipient)}`}
        description={`${COMMAND_LABELS[payout.command] ?? payout.command} · ${payout.remarks}${payout.occasion ? ` · ${payout.occasion}` : ""}`}
      />
      <div className="mb-6 flex flex-wrap items-center gap-3 text-sm">
        <PayoutStatus status={payout.status} />
        {MOVING.has(payout.status) || payout.status === "pending_approval" ? <AutoRefresh /> : null}
        <span>
          Approvals {payout.approvals.filter((a) => a.decision === "approved").length}/
          {payout.approvalsRequired}
        </span>
        {payout.receipt ? <span className="font-mono">Receipt {payout.receipt}</span> : null}
        {payout.batchId ? (
          <Link href={`/payouts/batches/${payout.batchId}`} className="text-brand-700 underline">
            Batch{payout.batchRow ? `, row ${payout.batchRow}` : ""}
          </Link>
        ) : null}
        <span className="text-slate-600">{resource.message}</span>
      </div>
      <div className="mb-6">
        <PayoutActions
          payoutId={payout.id}
          mayDecide={viewer.mayApprove && !mine && !decided && payout.status === "pending_approval"}
          mayCancel={
            (mine || tenant.role === "owner") &&
            (payout.status === "pending_approval" ||
              (payout.status === "approved" && payout.originatorConversationId === null))
          }
        />
      </div>
      <ol className="relative space-y-4 border-l border-slate-200 pl-6" data-testid="timeline">
        {events.map((event) => (
          <li key={`${event.at.getTime()}-${event.title}`} className="text-sm">
            <span className="absolute -left-1.5 mt-1.5 size-3 rounded-full bg-brand-600" aria-hidden />
            <p className="font-medium">{event.title}</p>
            <p className="text-slate-600">{formatNairobiTime(event.at)}</p>
            {event.detail ? <p className="text-slate-700">{event.detail}</p> : null}
          </li>
        ))}
      </ol>
    </>
  );
}
