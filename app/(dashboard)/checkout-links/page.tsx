import type { Metadata } from "next";
import QRCode from "qrcode";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { toCheckoutSessionResource } from "@/lib/payments/collections/payment-resource";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { CreateLinkForm, LinkActions } from "./page-client";

export const metadata: Metadata = { title: "Checkout links" };

export default async function CheckoutLinksPage() {
  const tenant = await requireTenant("payments:view");
  const sessions = await tenant.db.checkoutSession.findMany({
    where: { merchantId: tenant.merchant.id },
    orderBy: { createdAt: "desc" },
    take: 30,
    include: { _count: { select: { payments: true } } },
  });
  const appUrl = paymentsRuntime().deps.appUrl;
  const links = await Promise.all(
    sessions.map(async (s) => {
      const resource = toCheckoutSessionResource(s, appUrl);
      // QR codes are drawn on the server as SVG: customers scan them from a counter or a screen.
      const svg = await QRCode.toString(resource.url, { type: "svg", margin: 1, width: 112 });
      const qr = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
      return { resource, qr, attempts: s._count.payments };
    }),
  );
  const mayManage = can(tenant.role, "checkout:manage");
  return (
    <>
      <PageHeader
        title="Checkout links"
        description="Hosted pages your customers pay on: share the link by SMS or WhatsApp, or show the QR code."
      />
      {mayManage ? <CreateLinkForm /> : null}
      <div className="mt-6">
        {links.length === 0 ? (
          <EmptyState title="No checkout links yet">
            Create one above; customers pay it with an M-Pesa prompt.
          </EmptyState>
        ) : (
          <ul className="grid gap-3 sm:grid-cols-2" data-testid="checkout-links">
            {links.map(({ resource, qr, attempts }) => (
              <li
                key={resource.id}
                className="flex gap-4 rounded-xl border border-slate-200 bg-white p-4 text-sm"
              >
                {/* biome-ignore lint/performance/noImgElement: a generated data URL, nothing for next/image to optimise */}
                <img
                  src={qr}
                  alt={`QR code for ${resource.url}`}
                  width={112}
                  height={112}
                  className="shrink-0"
                />
                <div className="min-w-0 space-y-1">
                  <p className="text-lg font-semibold">{formatKes(resource.amount)}</p>
                  <p>
                    {resource.reference}
                    {resource.description ? ` · ${resource.description}` : ""}
                  </p>
                  <p className="text-slate-600">
                    {resource.status} · {attempts} attempt{attempts === 1 ? "" : "s"} · expires{" "}
                    {formatNairobiTime(new Date(resource.expiresAt))}
                  </p>
                  <a
                    href={resource.url}
                    className="block truncate font-mono text-xs text-brand-700 underline"
                  >
                    {resource.url}
                  </a>
                  {mayManage ? (
                    <LinkActions id={resource.id} url={resource.url} open={resource.status === "open"} />
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}
