"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { resolveReviewItem } from "@/lib/payments/resolve-review-item";
import { requireTenant } from "@/lib/session";

const inputSchema = z.object({
  itemId: z.uuid(),
  action: z.enum(["accept", "dismiss"]),
  note: z.string().max(500),
});

export type ResolveState = { error: string | null; done: boolean };

export async function resolveAction(_prev: ResolveState, form: FormData): Promise<ResolveState> {
  const tenant = await requireTenant("review:resolve");
  const input = inputSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { error: "Choose an action and write a note.", done: false };
  try {
    await resolveReviewItem(tenant.db, {
      merchantId: tenant.merchant.id,
      ...input.data,
      actor: { id: tenant.user.id, label: tenant.user.email },
    });
    revalidatePath("/mismatches");
    return { error: null, done: true };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, done: false };
    throw error;
  }
}
