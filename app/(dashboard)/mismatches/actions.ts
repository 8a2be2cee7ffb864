"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { matchReviewItem } from "@/lib/payments/review/match-review-item";
import { resolveReviewItem } from "@/lib/payments/review/resolve-review-item";
import { requireTenant } from "@/lib/session";
import { text } from "@/lib/validation/text";

const inputSchema = z.discriminatedUnion("action", [
  z.object({
    itemId: z.uuid(),
    action: z.enum(["accept", "dismiss"]),
    note: text({ multiline: true }).max(500),
  }),
  z.object({
    itemId: z.uuid(),
    action: z.literal("match"),
    checkoutSessionId: z.uuid("Choose the checkout this money was for."),
    note: text({ multiline: true }).max(500),
  }),
]);

export type ResolveState = { error: string | null; done: boolean };

export async function resolveAction(_prev: ResolveState, form: FormData): Promise<ResolveState> {
  const tenant = await requireTenant("review:resolve");
  const input = inputSchema.safeParse(Object.fromEntries(form));
  if (!input.success) {
    const note = input.error.issues.find((i) => i.path.includes("note") && i.code === "custom");
    const message = note
      ? `The note ${note.message}.`
      : input.error.issues.find((i) => i.path.includes("checkoutSessionId"))?.message;
    return { error: message ?? "Choose an action and write a note.", done: false };
  }
  const merchantId = tenant.merchant.id;
  try {
    if (input.data.action === "match")
      await matchReviewItem(tenant.db, { merchantId, ...input.data, actor: tenant.actor });
    else await resolveReviewItem(tenant.db, { merchantId, ...input.data, actor: tenant.actor });
    revalidatePath("/mismatches");
    return { error: null, done: true };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, done: false };
    throw error;
  }
}
