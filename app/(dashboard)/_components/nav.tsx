"use client";

import Link, { useLinkStatus } from "next/link";
import { usePathname } from "next/navigation";

const ITEMS = [
  { href: "/", label: "Overview" },
  { href: "/payments", label: "Payments" },
  { href: "/checkout-links", label: "Checkout links" },
  { href: "/payouts", label: "Payouts" },
  { href: "/mismatches", label: "Mismatches" },
  { href: "/callbacks", label: "Callbacks" },
  { href: "/audit-log", label: "Audit log" },
  { href: "/settings", label: "Settings" },
  { href: "/account", label: "Account" },
] as const;

export function Nav() {
  const pathname = usePathname();
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
