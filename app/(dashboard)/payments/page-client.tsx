"use client";

import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { ListFooter } from "@/components/list-footer";
import { PaymentStatus } from "@/components/payment-status";
import { fetchListPage, useLiveList } from "@/components/use-live-list";
import { formatKes, formatNairobiTime } from "@/lib/format";
import type { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import { queryKeys } from "@/lib/query-keys";

/** What a row shows: the server sends no more in the page (the polled pages carry whole resources). */
export type Row = Pick<
  ReturnType<typeof toPaymentResource>,
  "id" | "status" | "amount" | "phone" | "reference" | "mpesaReceipt" | "message" | "createdAt"
>;
type Page = { data: Row[]; nextCursor: string | null };

const COLUMNS = ["When (EAT)", "Status", "Amount", "Reference", "Phone", "Receipt", "Detail"];

const STATUSES = ["", "pending", "paid", "failed", "cancelled", "timed_out", "needs_review", "reversed"];

const fetchPage = (query: string, cursor?: string) =>
  fetchListPage<Page>("/api/dashboard/payments", new URLSearchParams(query), "payments", cursor);

export function PaymentsTable({
  merchantId,
  query,
  filters,
  initial,
}: {
  merchantId: string;
  query: string;
  filters: Record<string, string>;
  initial: Page;
}) {
  // Polling every 3 s keeps the newest page live (simple, cache-friendly, works behind any proxy;
  // server-sent events would save requests but need a long-lived connection per open tab).
  const { rows, footer } = useLiveList<Row, Page>({
    queryKey: queryKeys.payments(merchantId, query),
    initial,
    fetchPage: (cursor) => fetchPage(query, cursor),
  });

  return (
    <div className="space-y-4">
      <form
        className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-4"
        method="get"
      >
        <Field label="Status" name="status">
          <select
            id="filter-status"
            name="status"
            defaultValue={filters.status ?? ""}
            className="w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s ? s.replace("_", " ") : "Any"}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Phone" name="phone">
          <input
            id="filter-phone"
            name="phone"
            defaultValue={filters.phone ?? ""}
            placeholder="0712 345 678"
            className="input"
          />
        </Field>
        <Field label="Reference" name="reference">
          <input
            id="filter-reference"
            name="reference"
            defaultValue={filters.reference ?? ""}
            className="input"
          />
        </Field>
        <Field label="M-Pesa receipt" name="receipt">
          <input id="filter-receipt" name="receipt" defaultValue={filters.receipt ?? ""} className="input" />
        </Field>
        <Field label="From (date)" name="from">
          <input
            type="date"
            id="filter-from"
            name="from"
            defaultValue={filters.from ?? ""}
            className="input"
          />
        </Field>
        <Field label="To (date)" name="to">
          <input type="date" id="filter-to" name="to" defaultValue={filters.to ?? ""} className="input" />
        </Field>
        <Field label="Min KES" name="minAmount">
          <input
            id="filter-minAmount"
            name="minAmount"
            inputMode="numeric"
            defaultValue={filters.minAmount ?? ""}
            className="input"
          />
        </Field>
        <Field label="Max KES" name="maxAmount">
          <input
            id="filter-maxAmount"
            name="maxAmount"
            inputMode="numeric"
            defaultValue={filters.maxAmount ?? ""}
            className="input"
          />
        </Field>
        <div className="flex gap-2 sm:col-span-4">
          <button
            type="submit"
            className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800"
          >
            Filter
          </button>
          <a href="/payments" className="rounded-md px-4 py-2 text-sm font-medium text-slate-700 underline">
            Clear
          </a>
        </div>
      </form>

      {rows.length === 0 ? (
        <EmptyState title="No payments match">
          Payments appear here the moment a customer is prompted.
        </EmptyState>
      ) : (
        // Each row is rendered once: a table on wider screens, and on phones the same rows laid out
        // as cards by CSS alone (max-sm:), readable without scrolling sideways.
        <div className="rounded-xl border border-slate-200 bg-white sm:overflow-x-auto">
          <table
            className="min-w-full text-sm max-sm:block sm:divide-y sm:divide-slate-200"
            data-testid="payments-table"
          >
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 max-sm:sr-only">
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c} scope="col" className={`px-4 py-2 ${c === "Amount" ? "text-right" : ""}`}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            {/* Cells take their look from .payment-rows (app/globals.css): 50 rows stay short. */}
            <tbody className="payment-rows divide-y divide-slate-100 max-sm:block">
              {rows.map((p) => (
                <tr key={p.id}>
                  <td>{formatNairobiTime(new Date(p.createdAt))}</td>
                  <td>
                    <PaymentStatus status={p.status} />
                  </td>
                  <td>{formatKes(p.amount)}</td>
                  <td>
                    <Link href={`/payments/${p.id}`} className="row-link">
                      {p.reference}
                    </Link>
                  </td>
                  <td>{p.phone}</td>
                  <td>{p.mpesaReceipt ?? "—"}</td>
                  <td title={p.message}>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ListFooter noun="payments" {...footer} />
    </div>
  );
}

function Field({ label, name, children }: { label: string; name: string; children: React.ReactNode }) {
  return (
    <div className="text-sm">
      <label htmlFor={`filter-${name}`} className="mb-1 block font-medium text-slate-700">
        {label}
      </label>
      {children}
    </div>
  );
}
