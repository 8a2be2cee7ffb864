// Webhook delivery: a sweep every minute finds due deliveries (new events and retries whose
// back-off ended), a bounded number per endpoint, and sends one event each; deliver-webhook makes
// one attempt per event, at most WEBHOOK_CONCURRENCY_PER_ENDPOINT at once per endpoint (Inngest's
// concurrency key), so a slow or failing receiver holds up only its own deliveries, as in the
// in-process sweep. The schedule lives in the delivery rows (nextAttemptAt), so Inngest's own
// retries only cover crashes; the event id names the delivery and its due moment, so a delivery
// still waiting for its run when the next sweep comes is not sent twice.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { webhookDeliveryDueEvent } from "@/lib/background/events";
import { countWebhookAttempt } from "@/lib/background/webhook-metrics";
import { WEBHOOK_CONCURRENCY_PER_ENDPOINT } from "@/lib/webhooks/deliver-due-webhooks";
import { deliverWebhook } from "@/lib/webhooks/deliver-webhook";
import { findDueDeliveries } from "@/lib/webhooks/find-due-deliveries";

export function makeDeliverWebhook(
  inngest: Inngest,
  context: ContextProvider,
  options: { production: boolean },
) {
  return inngest.createFunction(
    {
      id: "deliver-webhook",
      name: "Deliver a webhook",
      retries: 2,
      // Per endpoint: a slow receiver holds up only its own deliveries.
      concurrency: { key: "event.data.endpointId", limit: WEBHOOK_CONCURRENCY_PER_ENDPOINT },
      triggers: [{ event: webhookDeliveryDueEvent.name }],
    },
    async ({ event, step }) => {
      const { deliveryId } = webhookDeliveryDueEvent.data.parse(event.data);
      return step.run("deliver", async () => {
        const { db, deps } = context();
        const result = await deliverWebhook(
          db,
          { keyring: deps.keyring, production: options.production },
          {
            deliveryId,
          },
        );
        countWebhookAttempt(result);
        return result.outcome;
      });
    },
  );
}

export function makeSweepWebhooks(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "sweep-webhooks",
      name: "Send due webhook deliveries",
      concurrency: { limit: 1 },
      triggers: [{ cron: "* * * * *" }],
    },
    async ({ step }) => {
      const due = await step.run("find-due", async () =>
        (await findDueDeliveries(context().db, { perEndpoint: 1000, limit: 5000 })).map((d) => ({
          id: `${d.id}@${d.nextAttemptAt.getTime()}`,
          deliveryId: d.id,
          endpointId: d.endpointId,
        })),
      );
      for (let start = 0; start < due.length; start += 500) {
        await step.sendEvent(
          `deliver-${start}`,
          due.slice(start, start + 500).map((d) => ({
            id: d.id,
            name: webhookDeliveryDueEvent.name,
            data: webhookDeliveryDueEvent.data.parse({ deliveryId: d.deliveryId, endpointId: d.endpointId }),
          })),
        );
      }
      return { sent: due.length };
    },
  );
}
