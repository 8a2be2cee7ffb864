import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { findMatchCandidates, rankMatchCandidates } from "@/lib/payments/review/find-match-candidates";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { KIND_LABELS } from "./kind-labels";
import { ResolveForm } from "./page-client";

export const metadata: Metadata = { title: "Mismatches" };

/** What each kind coming from M-Pesa's record (Pull Transactions, a statement) means, in plain words. */
const KIND_DESCRIPTIONS: Record<string, string> = {
  not_in_malipo:
    "M-Pesa shows this money moving on your shortcode, but Malipo has no payment, payout or refund for it. Find out what it was, then mark it accounted for.",
  not_in_mpesa:
    "Malipo shows this money as moved, but M-Pesa's record for that time does not list its receipt. Check the receipt in the M-Pesa portal before relying on it.",
  record_amount_mismatch:
    "The same M-Pesa receipt has a different amount in M-Pesa's record than in Malipo. M-Pesa's record is what reached your account.",
  payout_unresolved:
    "The payout was sent, but M-Pesa never said whether it was paid, even when asked. Check it in the M-Pesa portal before paying again.",
  reversal_unresolved:
    "The refund was sent, but M-Pesa never said whether it was applied, even when asked. Check it in the M-Pesa portal before trying again.",
};

/** Review kinds about M-Pesa's record: a person marks them accounted for (or dismisses them). */
const RECORD_KINDS = new Set(["not_in_malipo", "not_in_mpesa", "record_amount_mismatch"]);

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
  const [payments, records, candidates] = await Promise.all([
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
    tenant.db.mpesaRecord.findMany({
      where: { id: { in: items.flatMap((i) => (i.mpesaRecordId ? [i.mpesaRecordId] : [])) } },
      select: {
        id: true,
        receipt: true,
        direction: true,
        amountCents: true,
        completedAt: true,
        otherParty: true,
        accountReference: true,
        transactionType: true,
        details: true,
        source: true,
      },
    }),
    items.length > 0 ? findMatchCandidates(tenant.db, { merchantId: tenant.merchant.id }) : [],
  ]);
  const paymentById = new Map(payments.map((p) => [p.id, p]));
  const recordById = new Map(records.map((r) => [r.id, r]));
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
            const record = item.mpesaRecordId ? recordById.get(item.mpesaRecordId) : undefined;
            const aboutRecord = RECORD_KINDS.has(item.kind);
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
                {KIND_DESCRIPTIONS[item.kind] ? (
                  <p className="mt-1 text-slate-600">{KIND_DESCRIPTIONS[item.kind]}</p>
                ) : null}
                {record ? (
                  <div className="mt-2 rounded-md bg-slate-50 p-2" data-testid="mpesa-record">
                    <p className="mb-1 text-xs font-semibold uppercase text-slate-500">
                      M-Pesa's record ({record.source === "pull" ? "Pull Transactions" : "statement"})
                    </p>
                    <Values
                      value={{
                        receipt: record.receipt,
                        amount: `${record.direction === "out" ? "−" : ""}KES ${(Number(record.amountCents) / 100).toFixed(2)}`,
                        completed: formatNairobiTime(record.completedAt),
                        ...(record.otherParty ? { "other party": record.otherParty } : {}),
                        ...(record.accountReference ? { account: record.accountReference } : {}),
                        ...(record.transactionType ? { type: record.transactionType } : {}),
                        ...(record.details ? { details: record.details } : {}),
                      }}
                    />
                  </div>
                ) : null}
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
                    canAccept={
                      aboutRecord ? payment?.status !== "needs_review" : payment?.status === "needs_review"
                    }
                    acceptLabel={aboutRecord ? "Mark as accounted for" : undefined}
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
