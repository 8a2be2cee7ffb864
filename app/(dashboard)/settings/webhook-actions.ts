"use server";
// Settings → Webhooks: each action checks webhooks:manage and calls one core operation.

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { asAppError } from "@/lib/errors";
import { EVENT_TYPES } from "@/lib/events/event-types";
import { requireTenant } from "@/lib/session";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deleteWebhookEndpoint } from "@/lib/webhooks/delete-webhook-endpoint";
import type { DeliveryOutcome } from "@/lib/webhooks/deliver-webhook";
import { resendWebhookDelivery } from "@/lib/webhooks/resend-webhook-delivery";
import { rotateWebhookSecret } from "@/lib/webhooks/rotate-webhook-secret";
import { sendTestEvent } from "@/lib/webhooks/send-test-event";
import { updateWebhookEndpoint } from "@/lib/webhooks/update-webhook-endpoint";
import { webhookDeps } from "@/lib/webhooks-runtime";

export type EndpointState = { error: string | null; secret: string | null };
export type WebhookResult = { error: string | null; message?: string | null; secret?: string | null };

async function tenantActor() {
  const tenant = await requireTenant("webhooks:manage");
  return {
    tenant,
    actor: { type: "user" as const, id: tenant.actor.id, label: tenant.actor.label, ip: tenant.actor.ip },
  };
}

async function answered(
  change: () => Promise<Omit<WebhookResult, "error"> | undefined>,
): Promise<WebhookResult> {
  try {
    const result = await change();
    revalidatePath("/settings");
    return { error: null, ...result };
  } catch (error) {
    if (error instanceof z.ZodError) return { error: error.issues[0]?.message ?? "Check the form." };
    const known = asAppError(error);
    if (known) return { error: known.publicMessage };
    throw error;
  }
}

function attemptMessage(outcome: DeliveryOutcome): string {
  if (!("attempt" in outcome)) return "Nothing was sent.";
  const { statusCode, error, latencyMs } = outcome.attempt;
  return outcome.outcome === "delivered"
    ? `Delivered: the endpoint answered ${statusCode} in ${latencyMs} ms.`
    : `Not delivered: ${error ?? `the endpoint answered ${statusCode}`}.`;
}

const typesOf = (form: FormData) =>
  form
    .getAll("eventTypes")
    .map(String)
    .filter((t) => (EVENT_TYPES as readonly string[]).includes(t));

export async function createEndpointAction(_prev: EndpointState, form: FormData): Promise<EndpointState> {
  const { tenant, actor } = await tenantActor();
  const result = await answered(async () => {
    const { secret } = await createWebhookEndpoint(tenant.db, {
      ...webhookDeps(),
      merchantId: tenant.merchant.id,
      actor,
      input: {
        url: String(form.get("url") ?? ""),
        description: String(form.get("description") ?? "") || null,
        eventTypes: typesOf(form) as never,
      },
    });
    return { secret };
  });
  return { error: result.error, secret: result.secret ?? null };
}

const idSchema = z.uuid();

export async function updateEndpointAction(input: {
  endpointId: string;
  enabled?: boolean;
  eventTypes?: string[];
}): Promise<WebhookResult> {
  const { tenant, actor } = await tenantActor();
  return answered(async () => {
    await updateWebhookEndpoint(tenant.db, {
      production: webhookDeps().production,
      merchantId: tenant.merchant.id,
      endpointId: idSchema.parse(input.endpointId),
      actor,
      input: { enabled: input.enabled, eventTypes: input.eventTypes as never },
    });
    return { message: "Saved." };
  });
}

export async function rotateSecretAction(endpointId: string): Promise<WebhookResult> {
  const { tenant, actor } = await tenantActor();
  return answered(async () => {
    const { secret } = await rotateWebhookSecret(tenant.db, {
      keyring: webhookDeps().keyring,
      merchantId: tenant.merchant.id,
      endpointId: idSchema.parse(endpointId),
      actor,
    });
    return { secret };
  });
}

export async function deleteEndpointAction(endpointId: string): Promise<WebhookResult> {
  const { tenant, actor } = await tenantActor();
  return answered(async () => {
    await deleteWebhookEndpoint(tenant.db, {
      merchantId: tenant.merchant.id,
      endpointId: idSchema.parse(endpointId),
      actor,
    });
    return undefined;
  });
}

export async function sendTestEventAction(endpointId: string): Promise<WebhookResult> {
  const { tenant, actor } = await tenantActor();
  return answered(async () => {
    const outcome = await sendTestEvent(tenant.db, webhookDeps(), {
      merchantId: tenant.merchant.id,
      endpointId: idSchema.parse(endpointId),
      actor,
    });
    return { message: attemptMessage(outcome) };
  });
}

export async function resendDeliveryAction(deliveryId: string): Promise<WebhookResult> {
  const { tenant, actor } = await tenantActor();
  return answered(async () => {
    const outcome = await resendWebhookDelivery(tenant.db, webhookDeps(), {
      merchantId: tenant.merchant.id,
      deliveryId: idSchema.parse(deliveryId),
      actor,
    });
    return { message: attemptMessage(outcome) };
  });
}
