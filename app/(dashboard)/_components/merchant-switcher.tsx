"use client";

import { useTransition } from "react";
import { switchMerchantAction } from "../actions";

export function MerchantSwitcher({
  current,
  options,
}: {
  current: string;
  options: { slug: string; name: string }[];
}) {
  const [pending, startTransition] = useTransition();
  return (
    <label className="block">
      <span className="sr-only">Merchant</span>
      <select
        value={current}
        disabled={pending}
        data-testid="merchant-switcher"
        onChange={(event) => startTransition(() => switchMerchantAction(event.target.value))}
        className="block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-semibold"
      >
        {options.map((option) => (
          <option key={option.slug} value={option.slug}>
            {option.name}
          </option>
        ))}
      </select>
    </label>
  );
}
