"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { createApiKey, revokeApiKey } from "@/lib/security/manage-api-keys";
import { requireTenant } from "@/lib/session";

export type KeyState = { error: string | null; key: string | null };

export async function createKeyAction(_prev: KeyState, form: FormData): Promise<KeyState> {
  const tenant = await requireTenant("apikeys:manage");
  try {
    const { key } = await createApiKey(tenant.db, {
      merchantId: tenant.merchant.id,
      name: String(form.get("name") ?? ""),
      actor: { id: tenant.user.id, label: tenant.user.email },
    });
    revalidatePath("/settings");
    return { error: null, key };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, key: null };
    throw error;
  }
}

export async function revokeKeyAction(apiKeyId: unknown): Promise<void> {
  const tenant = await requireTenant("apikeys:manage");
  const id = z.uuid().parse(apiKeyId);
  await revokeApiKey(tenant.db, {
    merchantId: tenant.merchant.id,
    apiKeyId: id,
    actor: { id: tenant.user.id, label: tenant.user.email },
  });
  revalidatePath("/settings");
}
