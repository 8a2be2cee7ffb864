import type { Prisma } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";
import { currentTraceparent } from "../observability/tracing";
import type { EventType } from "./event-types";

/**
 * Stores one event and owes it to every enabled webhook endpoint of the merchant that takes its
 * type (an endpoint with no types takes all). Call it with the transaction that makes the change
 * the event reports (an outbox): the event exists exactly when the change committed, and the
 * deliveries wait, pending and due now, for lib/webhooks/deliver-due-webhooks.ts. The active
 * trace is stored with it, so its webhook deliveries join the trace of the change it reports.
 */
export async function recordEvent(
  tx: DbClient,
  options: {
    merchantId: string;
    type: EventType;
    /** The id of the payment, payout, review item or day it is about. */
    objectId: string | null;
    /** The object as the API shows it now. */
    data: Record<string, unknown>;
    now?: Date;
  },
) {
  const now = options.now ?? new Date();
  const event = await tx.event.create({
    data: {
      merchantId: options.merchantId,
      type: options.type,
      objectId: options.objectId,
      data: JSON.parse(JSON.stringify(options.data)) as Prisma.InputJsonObject,
      createdAt: now,
      traceContext: currentTraceparent(),
    },
  });
  const endpoints = await tx.webhookEndpoint.findMany({
    where: {
      merchantId: options.merchantId,
      enabled: true,
      OR: [{ eventTypes: { isEmpty: true } }, { eventTypes: { has: options.type } }],
    },
    select: { id: true },
  });
  if (endpoints.length > 0) {
    await tx.webhookDelivery.createMany({
      data: endpoints.map((endpoint) => ({
        merchantId: options.merchantId,
        endpointId: endpoint.id,
        eventId: event.id,
        state: "pending",
        nextAttemptAt: now,
        createdAt: now,
      })),
      skipDuplicates: true,
    });
  }
  return event;
}
