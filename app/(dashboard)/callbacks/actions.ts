"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { replayCallback } from "@/lib/payments/callbacks/replay-callback";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { requireTenant } from "@/lib/session";

export async function replayAction(inboxId: unknown): Promise<{ message: string }> {
  const tenant = await requireTenant("callbacks:replay");
  const id = z.uuid().safeParse(inboxId);
  if (!id.success) return { message: "That callback id is not valid." };
  try {
    const outcome = await replayCallback(tenant.db, {
      merchantId: tenant.merchant.id,
      inboxId: id.data,
      keyring: paymentsRuntime().deps.keyring,
      actor: tenant.actor,
    });
    revalidatePath("/callbacks");
    return { message: outcome === "processed" ? "Replayed: processed." : `Replayed: ${outcome}.` };
  } catch (error) {
    if (error instanceof AppError) return { message: error.publicMessage };
    throw error;
  }
}
