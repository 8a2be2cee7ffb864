// GET /api/v1/webhook-endpoints/{id}: one endpoint. PATCH: change url, description, eventTypes or
// enabled. DELETE: remove it with its delivery log.
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { deleteWebhookEndpoint } from "@/lib/webhooks/delete-webhook-endpoint";
import { getWebhookEndpointOrThrow } from "@/lib/webhooks/get-webhook-endpoint";
import { updateWebhookEndpoint } from "@/lib/webhooks/update-webhook-endpoint";
import { updateWebhookEndpointSchema } from "@/lib/webhooks/webhook-endpoint-input";
import { toWebhookEndpointResource } from "@/lib/webhooks/webhook-endpoint-resource";
import { webhookDeps } from "@/lib/webhooks-runtime";

export const GET = apiRoute<{ id: string }>("webhooks:manage", async ({ caller, params }) => {
  const endpoint = await getWebhookEndpointOrThrow(getDb(), {
    merchantId: caller.merchantId,
    endpointId: params.id,
  });
  return Response.json(toWebhookEndpointResource(endpoint));
});

export const PATCH = apiRoute<{ id: string }>("webhooks:manage", async ({ request, caller, params }) => {
  const input = updateWebhookEndpointSchema.parse(await request.json());
  const endpoint = await updateWebhookEndpoint(getDb(), {
    production: webhookDeps().production,
    merchantId: caller.merchantId,
    endpointId: params.id,
    actor: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
    input,
  });
  return Response.json(toWebhookEndpointResource(endpoint));
});

export const DELETE = apiRoute<{ id: string }>("webhooks:manage", async ({ caller, params }) => {
  await deleteWebhookEndpoint(getDb(), {
    merchantId: caller.merchantId,
    endpointId: params.id,
    actor: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
  });
  return new Response(null, { status: 204 });
});
