import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/db";
import { formatKes } from "@/lib/format";
import { getCheckoutView } from "@/lib/payments/collections/get-checkout-view";
import { Checkout } from "./page-client";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Pay with M-Pesa", robots: { index: false } };

export default async function PayPage({ params }: { params: Promise<{ id: string }> }) {
  const view = await getCheckoutView(getDb(), { sessionId: (await params).id });
  if (!view) notFound();
  return (
    <main className="mx-auto min-h-dvh max-w-md bg-white px-4 py-6 sm:my-6 sm:rounded-xl sm:border sm:border-slate-200">
      <p className="text-sm text-slate-600">Pay {view.merchantName}</p>
      <p className="mt-1 text-3xl font-bold tracking-tight" data-testid="amount">
        {formatKes(view.amount)}
      </p>
      <p className="mt-1 text-sm text-slate-700">
        For <span className="font-medium">{view.reference}</span>
        {view.description ? ` · ${view.description}` : ""}
      </p>
      <div className="mt-6">
        <Checkout initial={view} />
      </div>
      {view.alternative && view.state === "open" ? (
        <details className="mt-8 rounded-lg bg-slate-50 p-3 text-sm text-slate-700">
          <summary className="cursor-pointer font-medium">Pay from the M-Pesa menu instead</summary>
          {view.alternative.kind === "paybill" ? (
            <ol className="mt-2 list-decimal space-y-1 pl-5">
              <li>M-PESA → Lipa na M-PESA → Pay Bill</li>
              <li>
                Business number <b>{view.alternative.shortcode}</b>
              </li>
              <li>
                Account number <b>{view.alternative.account}</b>
              </li>
              <li>Amount {formatKes(view.amount)}, then your PIN</li>
            </ol>
          ) : (
            <ol className="mt-2 list-decimal space-y-1 pl-5">
              <li>M-PESA → Lipa na M-PESA → Buy Goods and Services</li>
              <li>
                Till number <b>{view.alternative.till}</b>
              </li>
              <li>Amount {formatKes(view.amount)}, then your PIN</li>
            </ol>
          )}
        </details>
      ) : null}
      <p className="mt-8 text-center text-xs text-slate-500">Secured by Malipo · M-Pesa</p>
    </main>
  );
}
