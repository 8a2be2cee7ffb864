// Settings → Webhooks (server): the merchant's endpoints, each with its latest deliveries.
import type { DbClient } from "@/lib/db-types";
import { findWebhookDeliveries } from "@/lib/webhooks/find-webhook-deliveries";
import { findWebhookEndpoints } from "@/lib/webhooks/find-webhook-endpoints";
import { CreateEndpointForm, EndpointCard, type EndpointView } from "./webhooks-client";

/** Deliveries shown per endpoint; the API lists them all. */
const LOG_SIZE = 15;

export async function WebhooksSection({
  db,
  merchantId,
  mayManage,
}: {
  db: DbClient;
  merchantId: string;
  mayManage: boolean;
}) {
  const endpoints = await findWebhookEndpoints(db, { merchantId });
  const views: EndpointView[] = await Promise.all(
    endpoints.map(async (e) => {
      const log = await findWebhookDeliveries(db, { merchantId, endpointId: e.id, limit: LOG_SIZE });
      return {
        id: e.id,
        url: e.url,
        description: e.description,
        eventTypes: e.eventTypes,
        enabled: e.enabled,
        disabledReason: e.disabledReason,
        previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
        deliveries: log.data.map((d) => {
          const last = d.attemptLog[0];
          return {
            id: d.id,
            eventType: d.eventType,
            state: d.state,
            attempts: d.attempts,
            nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
            lastAttempt: last
              ? {
                  at: last.attemptedAt.toISOString(),
                  statusCode: last.statusCode,
                  latencyMs: last.latencyMs,
                  error: last.error,
                  excerpt: last.responseExcerpt,
                }
              : null,
          };
        }),
      };
    }),
  );
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">
        Malipo POSTs each event to these URLs, signed in the Malipo-Signature header (see the README,
        Webhooks). Failed deliveries are retried for up to three days.
      </p>
      {mayManage ? <CreateEndpointForm /> : null}
      {views.length === 0 ? <p className="text-sm text-slate-600">No webhook endpoints yet.</p> : null}
      {views.map((view) => (
        <EndpointCard key={view.id} endpoint={view} mayManage={mayManage} />
      ))}
    </div>
  );
}
