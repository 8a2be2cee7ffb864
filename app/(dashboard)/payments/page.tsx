import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { findPayments } from "@/lib/payments/collections/find-payments";
import { paymentFilterSchema, paymentWhere } from "@/lib/payments/collections/payment-filters";
import { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { requireTenant } from "@/lib/session";
import { PaymentsTable, type Row } from "./page-client";

export const metadata: Metadata = { title: "Payments" };

/** A payment as its row shows it: the page data carries these fields only, not the whole resource. */
function toRow(payment: Parameters<typeof toPaymentResource>[0]): Row {
  const { id, status, amount, phone, reference, mpesaReceipt, message, createdAt } =
    toPaymentResource(payment);
  return { id, status, amount, phone, reference, mpesaReceipt, message, createdAt };
}

export default async function PaymentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const tenant = await requireTenant("payments:view");
  const raw = await searchParams;
  const parsed = paymentFilterSchema.safeParse(raw);
  const filters = parsed.success ? parsed.data : {};
  const where = paymentWhere(tenant.merchant.id, filters, paymentsRuntime().deps.keyring);
  const first = await findPayments(tenant.db, { merchantId: tenant.merchant.id, where, limit: 50 });
  const query = new URLSearchParams(
    Object.entries(filters).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
  ).toString();
  return (
    <>
      <PageHeader
        title="Payments"
        description="Every M-Pesa payment attempt, newest first. The list updates by itself."
        actions={
          <a
            href={`/api/dashboard/payments/export${query ? `?${query}` : ""}`}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
          >
            Export CSV
          </a>
        }
      />
      {parsed.success ? null : (
        <p role="alert" className="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800">
          Some filters were not valid and were ignored:{" "}
          {parsed.error.issues.map((i) => i.path.join(".")).join(", ")}.
        </p>
      )}
      <PaymentsTable
        merchantId={tenant.merchant.id}
        query={query}
        filters={Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, String(v ?? "")]))}
        initial={{ data: first.data.map(toRow), nextCursor: first.nextCursor }}
      />
    </>
  );
}
