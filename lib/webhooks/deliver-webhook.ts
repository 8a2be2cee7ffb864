import type { WebhookAttempt } from "../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../db-types";
import { webhookPayload } from "../events/event-resource";
import { postWebhook } from "./post-webhook";
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

/** A claimed delivery is not picked again by a sweep for this long (longer than an attempt). */
const CLAIM_MS = 2 * 60_000;

export type DeliveryOutcome =
  | {
      outcome: "delivered" | "retrying" | "failed";
      attempt: WebhookAttempt;
      /** The event the attempt carried (for the attempt's span). */
      event: { id: string; type: string };
      refused?: boolean;
    }
  | { outcome: "not_due" | "not_found" };

/**
 * One attempt of one delivery: claims it (a scheduled attempt only when it is pending, due and its
 * endpoint enabled; a manual resend or test always), posts the signed event, records the attempt
 * and either marks it delivered, schedules the next try, or gives it up. Giving up counts towards
 * disabling the endpoint (DISABLE_AFTER_FAILED_DELIVERIES); a success resets that count.
 */
export async function deliverWebhook(
  db: DbClient,
  deps: WebhookDeps,
  options: { deliveryId: string; manual?: boolean },
): Promise<DeliveryOutcome> {
  const now = deps.now?.() ?? new Date();
  const manual = options.manual ?? false;
  if (!manual) {
    const claimed = await db.webhookDelivery.updateMany({
      where: {
        id: options.deliveryId,
        state: "pending",
        nextAttemptAt: { lte: now },
        endpoint: { enabled: true },
      },
      data: { nextAttemptAt: new Date(now.getTime() + CLAIM_MS) },
    });
    if (claimed.count === 0) return { outcome: "not_due" };
  }
  const delivery = await db.webhookDelivery.findUnique({
    where: { id: options.deliveryId },
    include: { endpoint: true },
  });
  const event = delivery && (await db.event.findUnique({ where: { id: delivery.eventId } }));
  if (!delivery || !event) return { outcome: "not_found" };
  const { endpoint } = delivery;

  const body = webhookPayload(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  const result = await (deps.post ?? postWebhook)({
    url: endpoint.url,
    body,
    production: deps.production,
    headers: {
      [SIGNATURE_HEADER]: signatureHeader(signingSecrets(deps.keyring, endpoint, now), timestamp, body),
      [EVENT_ID_HEADER]: event.id,
    },
  });
  const refused = result.refused === true;
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const attempts = delivery.attempts + 1;
  const wait = BACK_OFF_MS[attempts - 1];

  const about = { id: event.id, type: event.type };

  return inTransaction(db, async (tx) => {
    const attempt = await tx.webhookAttempt.create({
      data: {
        merchantId: delivery.merchantId,
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        attemptedAt: now,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error ?? (ok ? null : `The endpoint answered ${result.statusCode}.`),
        responseExcerpt: result.excerpt,
        manual,
      },
    });
    if (ok) {
      await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: { state: "delivered", attempts, lastAttemptAt: now, deliveredAt: now, nextAttemptAt: null },
      });
      if (endpoint.failureStreak > 0)
        await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failureStreak: 0 } });
      return { outcome: "delivered", attempt, event: about } as const;
    }
    if (manual) {
      // A person's try leaves the schedule as it was; one outside any schedule (a test) has failed.
      const scheduled = delivery.state === "pending" && delivery.nextAttemptAt !== null;
      await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: { attempts, lastAttemptAt: now, ...(scheduled ? {} : { state: "failed" }) },
      });
      return { outcome: scheduled ? "retrying" : "failed", attempt, event: about, refused } as const;
    }
    if (wait !== undefined) {
      await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: { attempts, lastAttemptAt: now, nextAttemptAt: new Date(now.getTime() + wait) },
      });
      return { outcome: "retrying", attempt, event: about, refused } as const;
    }
    await tx.webhookDelivery.update({
      where: { id: delivery.id },
      data: { state: "failed", attempts, lastAttemptAt: now, nextAttemptAt: null },
    });
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
