import type {
  Event,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from "../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../db-types";
import { webhookPayload } from "../events/event-resource";
import { withStoredTrace } from "../observability/tracing";
import { claimDueDeliveries, type DeliveryClaim } from "./claim-due-deliveries";
import { postWebhook } from "./post-webhook";
import { recordClaimedAttempt } from "./record-claimed-attempt";
import type { WebhookDeps } from "./webhook-deps";
import { signingSecrets } from "./webhook-secret";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from "./webhook-signature";

/**
 * Waits after each failed attempt: the nth failure waits BACK_OFF_MS[n-1]. Nine attempts over
 * about 69 hours (inside three days); after the last failure the delivery is given up (failed).
 */
export const BACK_OFF_MS = [1, 5, 30, 120, 360, 720, 1440, 1440].map((minutes) => minutes * 60_000);

/**
 * An endpoint is disabled when this many deliveries in a row were given up (each after three days
 * of failed attempts) with none delivered between them: it has been failing for days.
 */
export const DISABLE_AFTER_FAILED_DELIVERIES = 5;

export type DeliveryOutcome =
  | {
      /**
       * What this attempt did to the delivery. "superseded": the attempt failed after its claim had
       * passed to another attempt (a newer claim, a resend that delivered it), so it was logged but
       * the delivery's state was left to that attempt.
       */
      outcome: "delivered" | "retrying" | "failed" | "superseded";
      attempt: WebhookAttempt;
      /** The event the attempt carried (for the attempt's span). */
      event: { id: string; type: string };
      refused?: boolean;
    }
  | { outcome: "not_due" | "not_found" };

/**
 * One attempt of one delivery: claims it (a scheduled attempt only when it is pending, due and its
 * endpoint enabled, unless the caller already claimed it in a batch; a manual resend or test
 * always goes), posts the signed event, records the attempt and either marks it delivered,
 * schedules the next try, or gives it up. A success is always recorded and `delivered` is never
 * undone; a failure changes the schedule only while this attempt still holds the delivery's claim
 * (compare-and-set on nextAttemptAt and attempts, claim-due-deliveries.ts), so a late scheduled
 * attempt cannot fail a delivery a resend has meanwhile delivered. Giving up counts towards
 * disabling the endpoint (DISABLE_AFTER_FAILED_DELIVERIES); a success resets that count.
 */
export async function deliverWebhook(
  db: DbClient,
  deps: WebhookDeps,
  options: {
    deliveryId: string;
    manual?: boolean;
    claim?: DeliveryClaim;
    /** The delivery, its endpoint and its event as read after the claim (a sweep reads a batch at once). */
    loaded?: LoadedDelivery;
  },
): Promise<DeliveryOutcome> {
  const now = deps.now?.() ?? new Date();
  const manual = options.manual ?? false;
  let claim: DeliveryClaim | undefined;
  if (!manual) {
    claim = options.claim ?? (await claimDueDeliveries(db, { now, deliveryId: options.deliveryId }))[0];
    // A batch claim that ran out before its turn (a stalled process) may be someone else's now.
    if (!claim || claim.until <= now) return { outcome: "not_due" };
  }
  const delivery =
    options.loaded?.delivery ??
    (await db.webhookDelivery.findUnique({ where: { id: options.deliveryId }, include: { endpoint: true } }));
  const event =
    options.loaded?.event ?? (delivery && (await db.event.findUnique({ where: { id: delivery.eventId } })));
  if (!delivery || !event) return { outcome: "not_found" };
  const { endpoint } = delivery;

  const body = webhookPayload(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  // The post joins the trace of the change the event reports (its stored traceparent); ids only.
  const result = await withStoredTrace(
    event.traceContext,
    "webhook post",
    { "malipo.event_id": event.id, "malipo.webhook_delivery_id": delivery.id },
    () =>
      (deps.post ?? postWebhook)({
        url: endpoint.url,
        body,
        production: deps.production,
        headers: {
          [SIGNATURE_HEADER]: signatureHeader(signingSecrets(deps.keyring, endpoint, now), timestamp, body),
          [EVENT_ID_HEADER]: event.id,
        },
      }),
  );
  const refused = result.refused === true;
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  // The back-off follows the attempts counted when the claim was taken (resends count too).
  const wait = BACK_OFF_MS[claim ? claim.attempts : delivery.attempts];

  const about = { id: event.id, type: event.type };

  const attemptData = {
    merchantId: delivery.merchantId,
    deliveryId: delivery.id,
    endpointId: endpoint.id,
    attemptedAt: now,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    error: result.error ?? (ok ? null : `The endpoint answered ${result.statusCode}.`),
    responseExcerpt: result.excerpt,
    manual,
  };
  const counted = { attempts: { increment: 1 }, lastAttemptAt: now };

  if (claim && (ok || wait !== undefined)) {
    // The sweep's common cases in one statement, each outcome guarded as in the general case below.
    const { attempt, written } = await recordClaimedAttempt(db, {
      claim,
      attempt: attemptData,
      outcome: ok
        ? { delivered: true }
        : { delivered: false, retryAt: new Date(now.getTime() + (wait ?? 0)) },
    });
    if (!ok) return { outcome: written ? "retrying" : "superseded", attempt, event: about, refused };
    if (endpoint.failureStreak > 0)
      await db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failureStreak: 0 } });
    return { outcome: "delivered", attempt, event: about };
  }

  return inTransaction(db, async (tx) => {
    const attempt = await tx.webhookAttempt.create({ data: attemptData });
    if (ok) {
      const first = await tx.webhookDelivery.updateMany({
        where: { id: delivery.id, state: { not: "delivered" } },
        data: { ...counted, state: "delivered", deliveredAt: now, nextAttemptAt: null },
      });
      if (first.count === 0)
        await tx.webhookDelivery.updateMany({ where: { id: delivery.id }, data: counted });
      if (endpoint.failureStreak > 0)
        await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failureStreak: 0 } });
      return { outcome: "delivered", attempt, event: about } as const;
    }
    if (!claim) {
      // A person's try leaves the schedule as it was and never undoes delivered; one outside any
      // schedule (a test event) has failed.
      const unscheduled = await tx.webhookDelivery.updateMany({
        where: { id: delivery.id, state: "pending", nextAttemptAt: null },
        data: { ...counted, state: "failed" },
      });
      if (unscheduled.count === 0)
        await tx.webhookDelivery.updateMany({ where: { id: delivery.id }, data: counted });
      const scheduled = unscheduled.count === 0 && delivery.state === "pending";
      return { outcome: scheduled ? "retrying" : "failed", attempt, event: about, refused } as const;
    }
    const held = { id: delivery.id, state: "pending", attempts: claim.attempts, nextAttemptAt: claim.until };
    if (wait !== undefined) {
      const retried = await tx.webhookDelivery.updateMany({
        where: held,
        data: { ...counted, nextAttemptAt: new Date(now.getTime() + wait) },
      });
      return { outcome: retried.count ? "retrying" : "superseded", attempt, event: about, refused } as const;
    }
    const given = await tx.webhookDelivery.updateMany({
      where: held,
      data: { ...counted, state: "failed", nextAttemptAt: null },
    });
    if (given.count === 0) return { outcome: "superseded", attempt, event: about, refused } as const;
    const streak = await tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { failureStreak: { increment: 1 } },
    });
    if (streak.enabled && streak.failureStreak >= DISABLE_AFTER_FAILED_DELIVERIES) {
      await tx.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: {
          enabled: false,
          disabledAt: now,
          disabledReason: `Disabled automatically: ${streak.failureStreak} deliveries in a row failed for three days each.`,
        },
      });
    }
    return { outcome: "failed", attempt, event: about, refused } as const;
  });
}

export interface LoadedDelivery {
  delivery: WebhookDelivery & { endpoint: WebhookEndpoint };
  event: Event;
}
