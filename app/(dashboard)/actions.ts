"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { getLatestBalance } from "@/lib/payments/balances/get-latest-balance";
import { requestAccountBalance } from "@/lib/payments/balances/request-account-balance";
import { paymentsRuntime } from "@/lib/payments-runtime";
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

/** A refresh already on its way is not sent again: M-Pesa answers within seconds. */
const REFRESH_PENDING_MS = 30_000;

/**
 * Asks M-Pesa for the merchant's balance now; the answer arrives by callback moments later.
 * `requestedAt` names the request to wait for.
 */
export async function refreshBalanceAction(): Promise<{
  ok: boolean;
  message: string;
  requestedAt?: string;
}> {
  const tenant = await requireTenant("payouts:view");
  const latest = await getLatestBalance(tenant.db, { merchantId: tenant.merchant.id });
  const last = latest?.lastRequest;
  if (last && !last.answeredAt && Date.now() - last.requestedAt.getTime() < REFRESH_PENDING_MS)
    return { ok: true, message: "Already asked M-Pesa.", requestedAt: last.requestedAt.toISOString() };
  try {
    const row = await requestAccountBalance(tenant.db, paymentsRuntime().deps, {
      merchantId: tenant.merchant.id,
    });
    if (row.answeredAt)
      return { ok: false, message: `M-Pesa refused the request: ${row.resultDesc ?? row.resultCode}` };
    return { ok: true, message: "Asked M-Pesa.", requestedAt: row.requestedAt.toISOString() };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, message: error.publicMessage };
    throw error;
  }
}
