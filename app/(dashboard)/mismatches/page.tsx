import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { findMatchCandidates, rankMatchCandidates } from "@/lib/payments/review/find-match-candidates";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { ResolveForm } from "./page-client";

export const metadata: Metadata = { title: "Mismatches" };

const KIND_LABELS: Record<string, string> = {
  amount_mismatch: "Amount differs",
  payer_mismatch: "Payer phone differs",
  unknown_callback: "Callback for an unknown payment",
  unmatched_c2b: "Paybill money matching no checkout",
  late_success: "Success after the payment timed out",
  malformed_callback: "Unreadable callback",
};

function Values({ value }: { value: unknown }) {
  const entries = value && typeof value === "object" ? Object.entries(value as Record<string, unknown>) : [];
  if (entries.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-2">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{k}</dt>
          <dd className="font-mono text-xs">{String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export default async function MismatchesPage() {
  const tenant = await requireTenant("payments:view");
  const items = await tenant.db.reviewItem.findMany({
    where: { merchantId: tenant.merchant.id, status: "open" },
    orderBy: { createdAt: "desc" },
    take: 100,
  });
  const [payments, candidates] = await Promise.all([
    tenant.db.payment.findMany({
      where: { id: { in: items.flatMap((i) => (i.paymentId ? [i.paymentId] : [])) } },
      select: {
        id: true,
        reference: true,
        status: true,
        checkoutSessionId: true,
        amount: true,
        paidAmount: true,
      },
    }),
    items.length > 0 ? findMatchCandidates(tenant.db, { merchantId: tenant.merchant.id }) : [],
  ]);
  const paymentById = new Map(payments.map((p) => [p.id, p]));
  const mayResolve = can(tenant.role, "review:resolve");
  return (
    <>
      <PageHeader
        title="Mismatches"
        description="Everything that needs a person: decide each one with a note. Every decision is in the audit log."
      />
      {items.length === 0 ? (
        <EmptyState title="Nothing to review">
          Amounts that differ, unknown callbacks and unmatched paybill money appear here.
        </EmptyState>
      ) : (
        <ul className="space-y-3" data-testid="review-items">
          {items.map((item) => {
            const payment = item.paymentId ? paymentById.get(item.paymentId) : undefined;
            // Loose paybill money, or a payment that belongs to no checkout, can be matched to one.
            const matchable =
              Boolean(item.c2bTransactionId) || (payment !== undefined && !payment.checkoutSessionId);
            const actual = (item.actual ?? {}) as { reference?: unknown; amount?: unknown };
            const choices = matchable
              ? rankMatchCandidates(candidates, {
                  reference: actual.reference ?? payment?.reference,
                  amount: actual.amount ?? payment?.paidAmount ?? payment?.amount,
                }).map((c) => ({
                  id: c.id,
                  label: `${c.reference} · ${formatKes(c.amount)} · ${c.status} · ${formatNairobiTime(c.createdAt)}`,
                }))
              : [];
            return (
              <li key={item.id} className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <p className="font-semibold">{KIND_LABELS[item.kind] ?? item.kind}</p>
                  <p className="text-slate-600">{formatNairobiTime(item.createdAt)}</p>
                </div>
                {payment ? (
                  <p className="mt-1 text-slate-700">
                    Payment {payment.reference} · {payment.status.replace("_", " ")}
                  </p>
                ) : null}
                <div className="mt-3 grid gap-4 sm:grid-cols-2">
                  <div>
                    <p className="mb-1 text-xs font-semibold uppercase text-slate-500">Expected</p>
                    <Values value={item.expected} />
                  </div>
                  <div>
                    <p className="mb-1 text-xs font-semibold uppercase text-slate-500">Actual</p>
                    <Values value={item.actual} />
                  </div>
                </div>
                {mayResolve ? (
                  <ResolveForm
                    itemId={item.id}
                    canAccept={payment?.status === "needs_review"}
                    candidates={choices}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
