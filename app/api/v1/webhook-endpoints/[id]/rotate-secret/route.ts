// POST /api/v1/webhook-endpoints/{id}/rotate-secret: a new secret, shown once; the old one keeps
// signing for 24 hours.
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { rotateWebhookSecret } from "@/lib/webhooks/rotate-webhook-secret";
import { toWebhookEndpointResource } from "@/lib/webhooks/webhook-endpoint-resource";
import { webhookDeps } from "@/lib/webhooks-runtime";

export const POST = apiRoute<{ id: string }>("webhooks:manage", async ({ caller, params }) => {
  const { endpoint, secret } = await rotateWebhookSecret(getDb(), {
    keyring: webhookDeps().keyring,
    merchantId: caller.merchantId,
    endpointId: params.id,
    actor: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
  });
  return Response.json({ ...toWebhookEndpointResource(endpoint), secret });
});
