// Webhook delivery: a sweep every minute finds due deliveries (new events and retries whose
// back-off ended) and sends one event each; deliver-webhook makes one attempt per event. The
// schedule lives in the delivery rows (nextAttemptAt), so Inngest's own retries only cover crashes.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { webhookDeliveryDueEvent } from "@/lib/background/events";
import { countWebhookAttempt } from "@/lib/background/webhook-metrics";
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
      // A slow receiver holds up only its own deliveries.
      concurrency: { key: "event.data.endpointId", limit: 4 },
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
      const due = await step.run("find-due", () => findDueDeliveries(context().db));
      if (due.length === 0) return { sent: 0 };
      await step.sendEvent(
        "deliver",
        due.map((d) => ({
          name: webhookDeliveryDueEvent.name,
          data: webhookDeliveryDueEvent.data.parse({ deliveryId: d.id, endpointId: d.endpointId }),
        })),
      );
      return { sent: due.length };
    },
  );
}
