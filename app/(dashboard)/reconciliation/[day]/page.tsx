import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { kenyanDaySchema } from "@/lib/kenyan-days";
import { getReconciliationDay } from "@/lib/payments/reconciliation/get-reconciliation-day";
import { kenyanDayBounds } from "@/lib/payments/reconciliation/reconciliation-figures";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { KIND_LABELS } from "../../mismatches/kind-labels";
import { DayStateBadge, formatCents, formatDay } from "../_components/day-state";
import { PrintButton, PullButton, SignOffForm } from "./page-client";

export const metadata: Metadata = { title: "Reconciliation day" };

const STATUS_LABELS: Record<string, string> = {
  paid: "Paid",
  pending: "Pending",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
  needs_review: "Needs review",
  reversed: "Refunded (reversal)",
  pending_approval: "Waiting for approval",
  approved: "Approved",
  rejected: "Rejected",
  submitted: "Sent to M-Pesa",
  unknown: "Unknown",
};

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4 text-sm break-inside-avoid print:border-slate-400 print:p-2">
      <h2 className="mb-3 font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Rows({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[1fr_auto] gap-x-4 gap-y-1">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-slate-600">{label}</dt>
          <dd className="text-right font-medium tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export default async function ReconciliationDayPage({ params }: { params: Promise<{ day: string }> }) {
  const tenant = await requireTenant("payments:view");
  const parsed = kenyanDaySchema.safeParse((await params).day);
  if (!parsed.success) notFound();
  const d = await getReconciliationDay(tenant.db, { merchantId: tenant.merchant.id, day: parsed.data });
  if (!d) notFound();
  const f = d.figures;
  const m = f.mpesaRecord;
  // Today is pulled up to now; a past day whole.
  const bounds = kenyanDayBounds(d.day);
  const pullWindow = { start: bounds.start, end: d.live ? new Date() : bounds.end };
  const openItems = d.items.filter((i) => i.status === "open");
  const maySignOff =
    can(tenant.role, "reconciliation:sign_off") &&
    !d.live &&
    d.state !== "not_checked" &&
    (!d.signedOff || d.changedAfterSignOffAt !== null);
  return (
    <>
      <Link
        href={`/reconciliation?month=${d.day.slice(0, 7)}`}
        className="text-sm text-brand-700 underline print:hidden"
      >
        ← Reconciliation
      </Link>
      <PageHeader
        title={formatDay(d.day)}
        description={`${tenant.merchant.name} · reconciliation day (Kenyan time)${d.computedAt ? ` · computed ${formatNairobiTime(d.computedAt)}` : ""}`}
        actions={
          <div className="flex flex-wrap items-center gap-2 print:hidden">
            <PrintButton />
            <a
              href={`/reconciliation/export?from=${d.day}&to=${d.day}`}
              className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50"
            >
              Download CSV
            </a>
          </div>
        }
      />
      <div className="mb-4 flex flex-wrap items-center gap-3 text-sm">
        <DayStateBadge day={d} />
        {d.state === "not_checked" && !d.live ? (
          <span className="text-slate-600">
            No Pull Transactions window or statement covers the whole day yet.{" "}
            <Link href="/reconciliation/statements" className="text-brand-700 underline print:no-underline">
              Import a statement
            </Link>
            .
          </span>
        ) : null}
      </div>
      {d.changedAfterSignOffAt ? (
        <p role="alert" className="mb-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          This day changed on {formatNairobiTime(d.changedAfterSignOffAt)}, after it was signed off. Check it
          and sign it off again.
        </p>
      ) : null}
      <div className="grid gap-4 md:grid-cols-2 print:grid-cols-2 print:gap-2">
        <Section title="Money">
          <Rows
            rows={[
              [`Collected (${f.collected.count} payments)`, formatKes(f.collected.amountKes)],
              [`Paybill and till money (${f.c2bReceived.count})`, formatKes(f.c2bReceived.amountKes)],
              [`Paid out (${f.paidOut.count})`, formatKes(f.paidOut.amountKes)],
              [`Refunded (reversal) (${f.reversed.count})`, formatKes(f.reversed.amountKes)],
              ["M-Pesa charges (from results)", formatCents(f.charges.fromResultsCents)],
              ["M-Pesa charges (from M-Pesa's record)", formatCents(f.charges.fromMpesaRecordCents)],
            ]}
          />
        </Section>
        <Section title="Balance">
          <Rows
            rows={[
              ["Opening", formatCents(f.balance.openingCents)],
              ["Closing", formatCents(f.balance.closingCents)],
            ]}
          />
          <p className="mt-2 text-xs text-slate-600">
            {f.balance.source === "mpesa_record"
              ? "From the balances on the day's M-Pesa record lines."
              : f.balance.reason}
          </p>
        </Section>
        <Section title="Payments started this day">
          <Rows
            rows={Object.entries(f.payments).map(([status, v]): [string, ReactNode] => [
              `${STATUS_LABELS[status] ?? status} (${v.count})`,
              formatKes(v.amountKes),
            ])}
          />
          {Object.keys(f.payments).length === 0 ? <p className="text-slate-600">None.</p> : null}
        </Section>
        <Section title="Payouts requested this day">
          <Rows
            rows={Object.entries(f.payouts).map(([status, v]): [string, ReactNode] => [
              `${STATUS_LABELS[status] ?? status} (${v.count})`,
              formatKes(v.amountKes),
            ])}
          />
          {Object.keys(f.payouts).length === 0 ? <p className="text-slate-600">None.</p> : null}
        </Section>
        <Section title="What M-Pesa's record confirms">
          <Rows
            rows={[
              ["Money in: confirmed / Malipo", `${m.confirmedIn.count} / ${m.malipoIn.count}`],
              ["Money in confirmed", formatCents(m.confirmedIn.amountCents)],
              ["Money in, Malipo", formatKes(m.malipoIn.amountKes)],
              ["Money out: confirmed / Malipo", `${m.confirmedOut.count} / ${m.malipoOut.count}`],
              ["Money out confirmed", formatCents(m.confirmedOut.amountCents)],
              ["Money out, Malipo", formatKes(m.malipoOut.amountKes)],
              ["Lines matching nothing in Malipo", String(m.unmatched)],
            ]}
          />
          {d.mpesaRecords.length > 0 ? (
            <table className="mt-3 w-full text-xs">
              <thead className="text-left text-slate-500">
                <tr>
                  <th className="font-medium">Source</th>
                  <th className="font-medium">Line</th>
                  <th className="text-right font-medium">Lines</th>
                  <th className="text-right font-medium">Matched</th>
                  <th className="text-right font-medium">Amount</th>
                </tr>
              </thead>
              <tbody>
                {d.mpesaRecords.map((r) => (
                  <tr key={`${r.source}-${r.direction}-${r.entry}`}>
                    <td>{r.source === "pull" ? "Pull Transactions" : "Statement"}</td>
                    <td>
                      {r.direction === "in" ? "In" : "Out"}
                      {r.entry === "charge" ? " (charge)" : ""}
                    </td>
                    <td className="text-right tabular-nums">{r.count}</td>
                    <td className="text-right tabular-nums">{r.matched}</td>
                    <td className="text-right tabular-nums">{formatCents(r.amountCents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="mt-2 text-slate-600">No M-Pesa record lines for this day.</p>
          )}
          {d.windows.length > 0 ? (
            <ul className="mt-3 space-y-1 text-xs text-slate-600">
              {d.windows.map((w) => (
                <li key={`${w.kind}-${w.start.getTime()}-${w.end.getTime()}`}>
                  {w.kind === "pull" ? "Pull Transactions" : "Statement"}: {formatNairobiTime(w.start)} to{" "}
                  {formatNairobiTime(w.end)}
                  {w.error ? ` (failed: ${w.error})` : w.finishedAt ? "" : " (still running)"}
                </li>
              ))}
            </ul>
          ) : null}
          {can(tenant.role, "reconciliation:manage") ? (
            <PullButton from={pullWindow.start.toISOString()} to={pullWindow.end.toISOString()} />
          ) : null}
        </Section>
        <Section title={`Review items (${openItems.length} open)`}>
          {d.items.length === 0 ? (
            <p className="text-slate-600">Nothing to review for this day.</p>
          ) : (
            <ul className="space-y-2" data-testid="day-items">
              {d.items.map((item) => (
                <li key={item.id} className="flex flex-wrap items-baseline justify-between gap-2">
                  <span>
                    {KIND_LABELS[item.kind] ?? item.kind}
                    {item.note ? <span className="text-slate-600"> · {item.note}</span> : null}
                  </span>
                  <span
                    className={item.status === "open" ? "font-semibold text-amber-900" : "text-slate-600"}
                  >
                    {item.status}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {openItems.length > 0 ? (
            <Link href="/mismatches" className="mt-3 inline-block text-brand-700 underline print:hidden">
              Resolve them on the Mismatches page →
            </Link>
          ) : null}
        </Section>
      </div>
      <div className="mt-4 grid gap-4 md:grid-cols-2 print:mt-2">
        <Section title="Sign-off">
          {d.signedOff ? (
            <div className="mb-3 space-y-1" data-testid="sign-off-record">
              <p>
                Signed off by <span className="font-medium">{d.signedOff.byLabel}</span> on{" "}
                {formatNairobiTime(d.signedOff.at)}.
              </p>
              {d.signedOff.note ? <p className="text-slate-700">“{d.signedOff.note}”</p> : null}
              <p className="break-all font-mono text-xs text-slate-500">
                Fingerprint {d.signedOff.fingerprint}
              </p>
            </div>
          ) : (
            <p className="mb-3 text-slate-600">
              {d.live ? "Today can be signed off once it is over." : "Not signed off yet."}
            </p>
          )}
          {maySignOff ? (
            <SignOffForm
              day={d.day}
              fingerprint={d.fingerprint}
              noteRequired={d.state === "open_items"}
              again={d.signedOff !== null}
            />
          ) : null}
          <p className="mt-3 hidden text-xs text-slate-500 print:block">
            Printed from Malipo. Fingerprint of these figures: {d.fingerprint}
          </p>
        </Section>
      </div>
    </>
  );
}
