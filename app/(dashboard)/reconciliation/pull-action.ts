"use server";

import { revalidatePath } from "next/cache";
import { AppError } from "@/lib/errors";
import {
  type PullCounts,
  pullTransactions,
  pullWindowSchema,
} from "@/lib/payments/reconciliation/pull-transactions";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { requireTenant } from "@/lib/session";

export type PullState = { error: string | null; counts: PullCounts | null };

/**
 * Pull Transactions now for the signed-in merchant: `from` and `to` (ISO 8601, optional; without
 * them, from where the last pull ended). For a form: `pullAction(prev, formData)`.
 */
export async function pullAction(_prev: PullState, form: FormData): Promise<PullState> {
  const tenant = await requireTenant("reconciliation:manage");
  const blank = (v: FormDataEntryValue | null) => (typeof v === "string" && v.trim() !== "" ? v : undefined);
  const input = pullWindowSchema.safeParse({ from: blank(form.get("from")), to: blank(form.get("to")) });
  if (!input.success) return { error: input.error.issues[0]?.message ?? "Check the window.", counts: null };
  try {
    const counts = await pullTransactions(
      { ...paymentsRuntime().deps, db: tenant.db },
      { merchantId: tenant.merchant.id, ...input.data, actor: { type: "user", ...tenant.actor } },
    );
    revalidatePath("/reconciliation");
    revalidatePath("/mismatches");
    return { error: null, counts };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, counts: null };
    throw error;
  }
}
