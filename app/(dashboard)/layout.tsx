import type { ReactNode } from "react";
import { EnvironmentBadge } from "@/components/environment-badge";
import { Logo } from "@/components/logo";
import { displayCache } from "@/lib/display-cache";
import { findOwnerAlertsForBanner } from "@/lib/observability/alerts";
import { countPayoutTabs } from "@/lib/payments/payouts/count-payout-tabs";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import { can, ROLE_LABELS } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { Providers } from "../providers";
import { MerchantSwitcher } from "./_components/merchant-switcher";
import { Nav } from "./_components/nav";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const tenant = await requireTenant();
  const [payoutsWaiting, alerts] = await Promise.all([
    payoutsWaitingFor(tenant),
    // The alert rules' conditions for this merchant (docs/alerts.yml), shown to owners only;
    // up to 20 s old (lib/observability/alerts.ts says why that is enough).
    tenant.role === "owner" ? findOwnerAlertsForBanner(tenant.db, { merchantId: tenant.merchant.id }) : [],
  ]);
  return (
    <div className="min-h-dvh md:flex">
      <aside className="border-b border-slate-200 bg-white print:hidden md:sticky md:top-0 md:h-dvh md:w-60 md:shrink-0 md:border-r md:border-b-0">
        <div className="flex items-center justify-between gap-2 px-4 py-4">
          <Logo />
        </div>
        <div className="space-y-2 px-4 pb-4">
          {tenant.memberships.length > 1 ? (
            <MerchantSwitcher
              current={tenant.merchant.slug}
              options={tenant.memberships.map((m) => ({ slug: m.merchant.slug, name: m.merchant.name }))}
            />
          ) : (
            <p className="truncate text-sm font-semibold" data-testid="merchant-name">
              {tenant.merchant.name}
            </p>
          )}
          <EnvironmentBadge environment={tenant.merchant.environment} />
        </div>
        <Nav payoutsWaiting={payoutsWaiting} />
      </aside>
      <div className="min-w-0 flex-1">
        <header className="flex items-center justify-end gap-4 border-b border-slate-200 bg-white px-6 py-3 text-sm print:hidden">
          <span className="text-slate-600">
            {tenant.user.name} · <span className="font-medium">{ROLE_LABELS[tenant.role]}</span>
          </span>
          <a href="/logout" className="font-medium text-slate-700 underline-offset-2 hover:underline">
            Sign out
          </a>
        </header>
        <main className="mx-auto max-w-6xl px-4 py-6 md:px-8 print:max-w-none print:p-0">
          {alerts.length > 0 ? (
            <div
              role="alert"
              data-testid="owner-alerts"
              className="mb-6 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 print:hidden"
            >
              <ul className="space-y-1">
                {alerts.map((alert) => (
                  <li key={alert.id}>
                    {alert.message}{" "}
                    <a href={alert.href} className="font-medium underline underline-offset-2">
                      Look
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <Providers>{children}</Providers>
        </main>
      </div>
    </div>
  );
}

/**
 * The navigation's badge as the server renders it, reused for 15 s per person and role: the Nav
 * refreshes it every 15 s anyway (_components/nav.tsx), and it is only displayed. The payout
 * policy read here decides nothing: approving reads the policy afresh (lib/payments/payouts).
 */
const BADGE_CACHE_MS = 15_000;
const badgeCache = displayCache<number | null>({ ttlMs: BADGE_CACHE_MS });

/** The navigation's badge: payouts waiting for this person's approval; null when they never approve. */
function payoutsWaitingFor(tenant: Awaited<ReturnType<typeof requireTenant>>): Promise<number | null> {
  if (!can(tenant.role, "payouts:approve")) return Promise.resolve(null);
  const merchantId = tenant.merchant.id;
  return badgeCache.get(`${merchantId}:${tenant.user.id}:${tenant.role}`, async () => {
    const { viewer } = await getPayoutViewer(tenant.db, {
      merchantId,
      userId: tenant.user.id,
      role: tenant.role,
    });
    if (!viewer.mayApprove) return null;
    const counts = await countPayoutTabs(tenant.db, { merchantId, viewer, tabs: ["waiting_for_me"] });
    return counts.waiting_for_me;
  });
}
