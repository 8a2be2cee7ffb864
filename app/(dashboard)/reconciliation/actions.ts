"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { kenyanDaySchema } from "@/lib/kenyan-days";
import { signOffReconciliationDay } from "@/lib/payments/reconciliation/sign-off-reconciliation-day";
import { requireTenant } from "@/lib/session";

const inputSchema = z.object({
  day: kenyanDaySchema,
  /** The figures the person was looking at (the form sends it): a day that changed since is refused. */
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  note: z.string().max(500, "The note is too long (500 characters at most).").optional(),
});

export type SignOffState = { error: string | null; done: boolean };

export async function signOffAction(_prev: SignOffState, form: FormData): Promise<SignOffState> {
  const tenant = await requireTenant("reconciliation:sign_off");
  const input = inputSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { error: input.error.issues[0]?.message ?? "Check the form.", done: false };
  try {
    await signOffReconciliationDay(tenant.db, {
      merchantId: tenant.merchant.id,
      ...input.data,
      actor: tenant.actor,
    });
    revalidatePath("/reconciliation");
    revalidatePath(`/reconciliation/${input.data.day}`);
    return { error: null, done: true };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, done: false };
    throw error;
  }
}
