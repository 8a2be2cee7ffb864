// GET /api/v1/webhook-endpoints: the calling merchant's endpoints. POST: add one; the answer
// carries its secret, this once.
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { findWebhookEndpoints } from "@/lib/webhooks/find-webhook-endpoints";
import { createWebhookEndpointSchema } from "@/lib/webhooks/webhook-endpoint-input";
import { toWebhookEndpointResource } from "@/lib/webhooks/webhook-endpoint-resource";
import { webhookDeps } from "@/lib/webhooks-runtime";

export const GET = apiRoute("webhooks:manage", async ({ caller }) => {
  const endpoints = await findWebhookEndpoints(getDb(), { merchantId: caller.merchantId });
  return Response.json({ object: "list", data: endpoints.map(toWebhookEndpointResource) });
});

export const POST = apiRoute("webhooks:manage", async ({ request, caller }) => {
  const input = createWebhookEndpointSchema.parse(await request.json());
  const { keyring, production } = webhookDeps();
  const { endpoint, secret } = await createWebhookEndpoint(getDb(), {
    keyring,
    production,
    merchantId: caller.merchantId,
    actor: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
    input,
  });
  return Response.json({ ...toWebhookEndpointResource(endpoint), secret }, { status: 201 });
});
