import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/auto-refresh";
import { PageHeader } from "@/components/page-header";
import { PaymentStatus } from "@/components/payment-status";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { getPaymentTimeline } from "@/lib/payments/collections/get-payment-timeline";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import type { ReversalWithApprovals } from "@/lib/payments/reversals/get-reversal";
import { ENDED_WITHOUT_REVERSAL } from "@/lib/payments/reversals/request-reversal";
import { reversalMessage } from "@/lib/payments/reversals/reversal-resource";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { isUuid } from "@/lib/validation/id";
import { RequestReversalForm, ReversalList, type ReversalRow } from "./_components/reversals";
import { PhoneReveal } from "./page-client";

export const metadata: Metadata = { title: "Payment" };

/** Where the payment's receipt came from (Payment.receiptSource), in plain words. */
const RECEIPT_SOURCES: Record<string, string> = {
  callback: "from M-Pesa's callback",
  pull: "found by Pull Transactions",
  statement: "found in an imported M-Pesa statement",
};

/** Reversals still moving by themselves: the page refreshes until they settle. */
const MOVING = new Set(["approved", "submitted", "unknown"]);

/** What the viewer sees of one reversal and may do with it (the server checks again). */
function toReversalRow(
  r: ReversalWithApprovals,
  viewer: { id: string; mayApprove: boolean; mayCancelAny: boolean },
): ReversalRow {
  const requestedByMe = r.requestedById === viewer.id;
  const notSent = r.status === "pending_approval" || (r.status === "approved" && !r.originatorConversationId);
  return {
    id: r.id,
    status: r.status,
    amount: r.amount,
    reason: r.reason,
    requester: r.requesterLabel,
    requestedByMe,
    approvalsRequired: r.approvalsRequired,
    decisions: r.approvals.map((a) => ({
      label: a.userLabel,
      decision: a.decision,
      note: a.note,
      at: a.createdAt.toISOString(),
    })),
    message: reversalMessage(r),
    receipt: r.receipt,
    createdAt: r.createdAt.toISOString(),
    settledAt: r.settledAt?.toISOString() ?? null,
    mayDecide:
      viewer.mayApprove &&
      !requestedByMe &&
      r.status === "pending_approval" &&
      !r.approvals.some((a) => a.userId === viewer.id),
    mayCancel: notSent && (requestedByMe || viewer.mayCancelAny),
  };
}

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const tenant = await requireTenant("payments:view");
  const { id } = await params;
  const timeline = isUuid(id)
    ? await getPaymentTimeline(tenant.db, { merchantId: tenant.merchant.id, paymentId: id })
    : null;
  if (!timeline) notFound();
  const { payment, events, reversals } = timeline;
  const { viewer } = await getPayoutViewer(tenant.db, {
    merchantId: tenant.merchant.id,
    userId: tenant.user.id,
    role: tenant.role,
  });
  const rows = reversals.map((r) =>
    toReversalRow(r, { ...viewer, mayCancelAny: tenant.role === "owner" || tenant.role === "admin" }),
  );
  const ended: readonly string[] = ENDED_WITHOUT_REVERSAL;
  const mayRequestReversal =
    can(tenant.role, "payouts:request") &&
    payment.status === "paid" &&
    payment.receipt !== null &&
    reversals.every((r) => ended.includes(r.status));
  return (
    <>
      <Link href="/payments" className="text-sm text-brand-700 underline">
        ← Payments
      </Link>
      <PageHeader title={`${formatKes(payment.amount)} · ${payment.reference}`} description={payment.id} />
      <div className="mb-6 flex flex-wrap items-center gap-3 text-sm">
        {can(tenant.role, "phones:view_full") ? (
          <PhoneReveal paymentId={payment.id} masked={payment.phoneMasked} />
        ) : (
          <span className="font-mono" data-testid="payer-phone">
            {payment.phoneMasked}
          </span>
        )}
        <PaymentStatus status={payment.status} />
        {payment.status === "pending" ? <AutoRefresh /> : null}
        {payment.receipt ? (
          <span>
            <span className="font-mono">Receipt {payment.receipt}</span>
            {payment.receiptSource ? (
              <span className="text-slate-600" data-testid="receipt-source">
                {" "}
                · {RECEIPT_SOURCES[payment.receiptSource] ?? payment.receiptSource}
              </span>
            ) : null}
          </span>
        ) : null}
        {payment.status === "paid" && !payment.receipt ? (
          <span className="text-slate-600">
            No M-Pesa receipt yet: Pull Transactions or a statement will find it.
          </span>
        ) : null}
        {payment.paidAmount !== null && payment.paidAmount !== payment.amount ? (
          <span className="text-orange-800">M-Pesa reported {formatKes(payment.paidAmount)}</span>
        ) : null}
      </div>
      {mayRequestReversal || rows.length > 0 ? (
        <section className="mb-8 space-y-3" aria-labelledby="reversals-heading">
          <h2 id="reversals-heading" className="text-base font-semibold">
            Refunds (reversals)
          </h2>
          {rows.some((r) => MOVING.has(r.status)) ? <AutoRefresh /> : null}
          {rows.length > 0 ? <ReversalList rows={rows} /> : null}
          {mayRequestReversal ? (
            <RequestReversalForm paymentId={payment.id} paid={payment.paidAmount ?? payment.amount} />
          ) : null}
        </section>
      ) : null}
      <ol className="relative space-y-4 border-l border-slate-200 pl-6" data-testid="timeline">
        {events.map((event) => (
          <li key={`${event.kind}-${event.at.getTime()}-${event.title}`} className="text-sm">
            <span className="absolute -left-1.5 mt-1.5 size-3 rounded-full bg-brand-600" aria-hidden />
            <p className="font-medium">{event.title}</p>
            <p className="text-slate-600">{formatNairobiTime(event.at)}</p>
            {event.detail ? <p className="text-slate-700">{event.detail}</p> : null}
            {event.body ? (
              <details className="mt-1">
                <summary className="cursor-pointer text-xs text-slate-600">Raw body</summary>
                <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">
                  {event.body}
                </pre>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
    </>
  );
}
