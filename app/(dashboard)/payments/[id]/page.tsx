import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/auto-refresh";
import { PageHeader } from "@/components/page-header";
import { PaymentStatus } from "@/components/payment-status";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { getPaymentTimeline } from "@/lib/payments/collections/get-payment-timeline";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { isUuid } from "@/lib/validation/id";
import { PhoneReveal } from "./page-client";

export const metadata: Metadata = { title: "Payment" };

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const tenant = await requireTenant("payments:view");
  const { id } = await params;
  const timeline = isUuid(id)
    ? await getPaymentTimeline(tenant.db, { merchantId: tenant.merchant.id, paymentId: id })
    : null;
  if (!timeline) notFound();
  const { payment, events } = timeline;
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
        {payment.receipt ? <span className="font-mono">Receipt {payment.receipt}</span> : null}
        {payment.paidAmount !== null && payment.paidAmount !== payment.amount ? (
          <span className="text-orange-800">M-Pesa reported {formatKes(payment.paidAmount)}</span>
        ) : null}
      </div>
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
