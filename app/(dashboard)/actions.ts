"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { appUrl } from "@/lib/env";
import { MERCHANT_COOKIE, requireTenant } from "@/lib/session";

/** Switches the active merchant; only to one the user belongs to (checked against the database). */
export async function switchMerchantAction(slug: unknown): Promise<void> {
  const parsed = z.string().max(100).safeParse(slug);
  const tenant = await requireTenant();
  const target = tenant.memberships.find((m) => m.merchant.slug === parsed.data);
  if (target) {
    (await cookies()).set(MERCHANT_COOKIE, target.merchant.slug, {
      httpOnly: true,
      sameSite: "lax",
      secure: appUrl().startsWith("https:"),
      path: "/",
      maxAge: 60 * 60 * 24 * 365,
    });
  }
  redirect("/");
}
