import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DataTable } from "@/components/data-table";
import { PageHeader } from "@/components/page-header";
import { formatNairobiTime } from "@/lib/format";
import { getStatementImport } from "@/lib/payments/reconciliation/statement/get-statement-import";
import type { StatementImportSummary } from "@/lib/payments/reconciliation/statement/import-statement";
import { requireTenant } from "@/lib/session";
import { ITEM_LABELS, openedText, periodText, STATE_LABELS } from "../_components/labels";

export const metadata: Metadata = { title: "Statement import" };

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export default async function StatementImportPage({ params }: { params: Promise<{ id: string }> }) {
  const tenant = await requireTenant("reconciliation:manage");
  const { id } = await params;
  const found = isUuid(id)
    ? await getStatementImport(tenant.db, { merchantId: tenant.merchant.id, id })
    : null;
  if (!found) notFound();
  const { statementImport: s, items, itemCount } = found;
  const summary = s.summary as Partial<StatementImportSummary>;
  const refused = summary.refused ?? [];
  const facts: [string, string][] = [
    ["File", s.fileName],
    ["State", `${STATE_LABELS[s.state] ?? s.state}${s.error ? `: ${s.error}` : ""}`],
    ["Imported", `${formatNairobiTime(s.createdAt)} by ${s.importedByLabel}`],
    ["Shortcode", s.shortcode ?? "not stated in the file"],
    [
      "Period",
      `${periodText(s.periodStart, s.periodEnd)}${summary.periodFrom === "lines" ? " (from its first and last line: the file states none)" : ""}`,
    ],
    ["Rows", s.rows.toLocaleString("en-KE")],
    ["New M-Pesa records", s.newRecords.toLocaleString("en-KE")],
    ["Already known", s.duplicateRecords.toLocaleString("en-KE")],
    ["Refused rows", s.refusedRows.toLocaleString("en-KE")],
    ["Not completed (skipped)", (summary.notCompleted ?? 0).toLocaleString("en-KE")],
    ["Matched to Malipo", (summary.matched ?? 0).toLocaleString("en-KE")],
    [
      "Recovered payments",
      ((summary.recovered ?? 0) + (summary.receiptsCompleted ?? 0)).toLocaleString("en-KE"),
    ],
    ["Review items opened", openedText(s.summary)],
  ];
  return (
    <>
      <Link href="/reconciliation/statements" className="text-sm text-brand-700 underline">
        ← M-Pesa statements
      </Link>
      <PageHeader title="Statement import" description={s.fileName} />
      {summary.sameFileAs ? (
        <p className="mb-4 text-sm text-slate-600">
          The same file was imported on {formatNairobiTime(new Date(summary.sameFileAs.createdAt))}: nothing
          new was found.{" "}
          <Link
            href={`/reconciliation/statements/${summary.sameFileAs.id}`}
            className="text-brand-700 underline"
          >
            See that import
          </Link>
        </p>
      ) : null}
      <dl
        className="mb-6 grid max-w-2xl grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm"
        data-testid="import-facts"
      >
        {facts.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <h2 className="mb-2 font-semibold">Review items this import opened</h2>
      {items.length === 0 ? (
        <p className="mb-6 text-sm text-slate-600">None: the statement agrees with Malipo.</p>
      ) : (
        <div className="mb-6 space-y-2">
          <DataTable
            columns={[{ label: "Kind" }, { label: "Receipt" }, { label: "Status" }, { label: "Opened" }]}
            testId="import-items"
          >
            {items.map((item) => (
              <tr key={item.id}>
                <td className="px-4 py-2">
                  <Link href={`/mismatches#item-${item.id}`} className="text-brand-700 underline">
                    {ITEM_LABELS[item.kind] ?? item.kind}
                  </Link>
                </td>
                <td className="px-4 py-2 font-mono text-xs">
                  {item.paymentId ? (
                    <Link href={`/payments/${item.paymentId}`} className="underline">
                      {item.receipt ?? "payment"}
                    </Link>
                  ) : item.payoutId ? (
                    <Link href={`/payouts/${item.payoutId}`} className="underline">
                      {item.receipt ?? "payout"}
                    </Link>
                  ) : (
                    (item.receipt ?? "—")
                  )}
                </td>
                <td className="px-4 py-2">{item.status}</td>
                <td className="whitespace-nowrap px-4 py-2">{formatNairobiTime(item.createdAt)}</td>
              </tr>
            ))}
          </DataTable>
          <p className="text-sm text-slate-600">
            {itemCount > items.length ? `Showing ${items.length} of ${itemCount}. ` : ""}
            Decide them on the{" "}
            <Link href="/mismatches" className="text-brand-700 underline">
              Mismatches
            </Link>{" "}
            page.
          </p>
        </div>
      )}

      <h2 className="mb-2 font-semibold">Refused rows</h2>
      {refused.length === 0 ? (
        <p className="text-sm text-slate-600">None: every row was read.</p>
      ) : (
        <>
          <DataTable
            columns={[{ label: "Row", align: "right" }, { label: "Receipt" }, { label: "Why" }]}
            testId="refused-rows"
          >
            {refused.map((r) => (
              <tr key={r.row}>
                <td className="px-4 py-2 text-right tabular-nums">{r.row}</td>
                <td className="px-4 py-2 font-mono text-xs">{r.receipt ?? "—"}</td>
                <td className="px-4 py-2">{r.reason}</td>
              </tr>
            ))}
          </DataTable>
          {s.refusedRows > refused.length ? (
            <p className="mt-2 text-sm text-slate-600">
              Showing the first {refused.length} of {s.refusedRows.toLocaleString("en-KE")} refused rows (row
              numbers as your spreadsheet shows them).
            </p>
          ) : null}
        </>
      )}
    </>
  );
}
