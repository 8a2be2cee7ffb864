import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { formatNairobiTime } from "@/lib/format";
import { findStatementImports } from "@/lib/payments/reconciliation/statement/find-statement-imports";
import { requireTenant } from "@/lib/session";
import { openedText, periodText, STATE_LABELS } from "./_components/labels";
import { StatementUploadForm } from "./page-client";

export const metadata: Metadata = { title: "M-Pesa statements" };

export default async function StatementsPage() {
  const tenant = await requireTenant("reconciliation:manage");
  const imports = await findStatementImports(tenant.db, { merchantId: tenant.merchant.id });
  return (
    <>
      <Link href="/reconciliation" className="text-sm text-brand-700 underline">
        ← Reconciliation
      </Link>
      <PageHeader
        title="M-Pesa statements"
        description="Compare Malipo's books with the statement Safaricom keeps: every difference becomes a review item on the Mismatches page."
      />
      <div className="mb-6 max-w-xl">
        <StatementUploadForm />
      </div>
      {imports.length === 0 ? (
        <EmptyState title="No statement imported yet">
          Imports appear here with what each one found.
        </EmptyState>
      ) : (
        <DataTable
          columns={[
            { label: "Imported" },
            { label: "By" },
            { label: "Period" },
            { label: "Rows", align: "right" },
            { label: "New", align: "right" },
            { label: "Already known", align: "right" },
            { label: "Refused", align: "right" },
            { label: "Review items opened" },
          ]}
          testId="statement-imports"
        >
          {imports.map((i) => (
            <tr key={i.id} data-import-id={i.id}>
              <td className="whitespace-nowrap px-4 py-2">
                <Link href={`/reconciliation/statements/${i.id}`} className="text-brand-700 underline">
                  {formatNairobiTime(i.createdAt)}
                </Link>
                <div className="max-w-56 truncate text-xs text-slate-500" title={i.fileName}>
                  {i.fileName} · {STATE_LABELS[i.state] ?? i.state}
                </div>
              </td>
              <td className="px-4 py-2">{i.importedByLabel}</td>
              <td className="whitespace-nowrap px-4 py-2">{periodText(i.periodStart, i.periodEnd)}</td>
              <td className="px-4 py-2 text-right tabular-nums">{i.rows.toLocaleString("en-KE")}</td>
              <td className="px-4 py-2 text-right tabular-nums">{i.newRecords.toLocaleString("en-KE")}</td>
              <td className="px-4 py-2 text-right tabular-nums">
                {i.duplicateRecords.toLocaleString("en-KE")}
              </td>
              <td className="px-4 py-2 text-right tabular-nums">{i.refusedRows.toLocaleString("en-KE")}</td>
              <td className="px-4 py-2">
                {i.state === "failed" ? (
                  <span className="text-red-700">{i.error}</span>
                ) : (
                  openedText(i.summary)
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
