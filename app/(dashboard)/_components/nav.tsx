"use client";

import Link, { useLinkStatus } from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";

const ITEMS = [
  { href: "/", label: "Overview" },
  { href: "/payments", label: "Payments" },
  { href: "/checkout-links", label: "Checkout links" },
  { href: "/payouts", label: "Payouts" },
  { href: "/mismatches", label: "Mismatches" },
  { href: "/reconciliation", label: "Reconciliation" },
  { href: "/callbacks", label: "Callbacks" },
  { href: "/audit-log", label: "Audit log" },
  { href: "/settings", label: "Settings" },
  { href: "/account", label: "Account" },
] as const;

/**
 * `payoutsWaiting`: payouts waiting for the signed-in approver (null for people who never approve),
 * as the server rendered it; refreshed every 15 s so the badge moves without a page load.
 */
export function Nav({ payoutsWaiting = null }: { payoutsWaiting?: number | null }) {
  const pathname = usePathname();
  const waiting = useWaitingPayouts(payoutsWaiting);
  return (
    <nav aria-label="Main" className="flex gap-1 overflow-x-auto px-2 pb-3 md:flex-col md:overflow-visible">
      {ITEMS.map((item) => {
        const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={`whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium ${
              active ? "bg-brand-50 text-brand-800" : "text-slate-700 hover:bg-slate-100"
            }`}
          >
            {item.label}
            {item.href === "/payouts" && waiting ? (
              <span
                className="ml-2 inline-flex min-w-5 justify-center rounded-full bg-brand-700 px-1.5 text-xs font-semibold text-white"
                data-testid="payouts-waiting-badge"
              >
                {waiting}
                <span className="sr-only"> waiting for your approval</span>
              </span>
            ) : null}
            <Pending />
          </Link>
        );
      })}
    </nav>
  );
}

/**
 * A dot beside the link being opened while its page renders on the server. (No loading.tsx: a
 * streamed page would answer 200 before a role check could answer 403 or 404.)
 */
function Pending() {
  const { pending } = useLinkStatus();
  return pending ? (
    <span className="ml-2 inline-flex">
      <span className="size-2 animate-pulse rounded-full bg-brand-600" aria-hidden />
      <span className="sr-only">(loading)</span>
    </span>
  ) : null;
}

function useWaitingPayouts(initial: number | null): number | null {
  const [count, setCount] = useState(initial);
  useEffect(() => setCount(initial), [initial]);
  useEffect(() => {
    if (initial === null) return;
    const timer = setInterval(async () => {
      try {
        const res = await fetch("/api/dashboard/payouts?counts=only", { cache: "no-store" });
        if (res.ok)
          setCount(((await res.json()) as { counts: { waiting_for_me: number } }).counts.waiting_for_me);
      } catch {
        // Offline for a moment: keep the last count.
      }
    }, 15_000);
    return () => clearInterval(timer);
  }, [initial]);
  return count;
}
