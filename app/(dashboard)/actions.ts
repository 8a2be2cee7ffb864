"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { requireTenant, setMerchantCookie } from "@/lib/session";

/** Switches the active merchant; only to one the user belongs to (checked against the database). */
export async function switchMerchantAction(slug: unknown): Promise<void> {
  const parsed = z.string().max(100).safeParse(slug);
  const tenant = await requireTenant();
  const target = tenant.memberships.find((m) => m.merchant.slug === parsed.data);
  if (target) {
    await setMerchantCookie(target.merchant.slug);
  }
  redirect("/");
}
