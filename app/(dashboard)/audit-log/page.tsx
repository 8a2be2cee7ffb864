import type { Metadata } from "next";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { findAuditLogs } from "@/lib/audit/find-audit-logs";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { formatNairobiTime } from "@/lib/format";
import { requireTenant } from "@/lib/session";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditLogPage() {
  const tenant = await requireTenant("audit:view");
  const [rows, check] = await Promise.all([
    findAuditLogs(tenant.db, { merchantId: tenant.merchant.id }),
    verifyAuditChain(tenant.db, { chain: tenant.merchant.id }),
  ]);
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every staff action and security event. Rows are hash-chained: editing or deleting one is detected."
        actions={
          check.ok ? (
            <p
              className="rounded-md bg-brand-50 px-3 py-1.5 text-sm font-medium text-brand-800"
              data-testid="chain-status"
            >
              ✓ Chain intact · {check.rows} entries
            </p>
          ) : (
            <p
              className="rounded-md bg-red-50 px-3 py-1.5 text-sm font-medium text-red-800"
              data-testid="chain-status"
            >
              ✗ Chain broken at entry {check.brokenAtSeq}: {check.reason}
            </p>
          )
        }
      />
      {rows.length === 0 ? (
        <EmptyState title="No entries yet">Staff actions for this merchant will be recorded here.</EmptyState>
      ) : (
        <DataTable
          columns={[
            { label: "When (EAT)" },
            { label: "Who" },
            { label: "Action" },
            { label: "Target" },
            { label: "IP" },
          ]}
        >
          {rows.map((row) => (
            <tr key={row.id.toString()}>
              <td className="whitespace-nowrap px-4 py-2 text-slate-600">
                {formatNairobiTime(row.createdAt)}
              </td>
              <td className="px-4 py-2">{row.actorLabel ?? row.actorType}</td>
              <td className="px-4 py-2 font-mono text-xs">{row.action}</td>
              <td className="px-4 py-2 text-slate-600">
                {row.targetType ? `${row.targetType} ${row.targetId}` : "—"}
              </td>
              <td className="px-4 py-2 text-slate-600">{row.ip ?? "—"}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
