import type { DbClient } from "../db-types";
import {
  CLAIM_BATCH_SIZE,
  claimDueDeliveries,
  type DeliveryClaim,
  findEndpointsWithDueDeliveries,
} from "./claim-due-deliveries";
import { type DeliveryOutcome, deliverWebhook, type LoadedDelivery } from "./deliver-webhook";
import type { WebhookDeps } from "./webhook-deps";

/** Attempts in flight to one endpoint at most (Inngest's deliver-webhook has the same limit). */
export const WEBHOOK_CONCURRENCY_PER_ENDPOINT = 4;

/** Endpoints served at once by one sweep; more wait their turn, a batch at a time. */
const ENDPOINTS_AT_ONCE = 8;

/** While a sweep runs, endpoints that became due since it started are looked for this often. */
const LOOK_AGAIN_MS = 1_000;

/**
 * One sweep (the in-process fallback and tests): every endpoint with due deliveries gets its own
 * lane of at most `perEndpoint` attempts in flight, fed by batch claims (claim-due-deliveries.ts),
 * so a slow or failing endpoint only ever occupies its own workers. An endpoint whose batch was
 * full goes to the back of the queue for another; the sweep ends when no endpoint has due work.
 * `onAttempt` sees each outcome (metrics).
 */
export async function deliverDueWebhooks(
  db: DbClient,
  deps: WebhookDeps,
  options: {
    perEndpoint?: number;
    endpointsAtOnce?: number;
    batchSize?: number;
    onAttempt?: (outcome: DeliveryOutcome) => void;
    /** Once aborted, no new batch is claimed; the sweep ends when the claimed ones are done. */
    signal?: AbortSignal;
  } = {},
): Promise<{ attempted: number; delivered: number }> {
  const clock = () => deps.now?.() ?? new Date();
  const perEndpoint = options.perEndpoint ?? WEBHOOK_CONCURRENCY_PER_ENDPOINT;
  const batchSize = options.batchSize ?? CLAIM_BATCH_SIZE;
  const endpointsAtOnce = options.endpointsAtOnce ?? ENDPOINTS_AT_ONCE;
  const queue: string[] = [];
  const known = new Set<string>(); // queued or being served
  let attempted = 0;
  let delivered = 0;
  let failure: unknown;

  let lookedAt = 0;
  const look = async () => {
    lookedAt = performance.now();
    for (const id of await findEndpointsWithDueDeliveries(db, { now: clock() }))
      if (!known.has(id)) {
        known.add(id);
        queue.push(id);
      }
  };

  const attempt = async (claim: DeliveryClaim, loaded: LoadedDelivery | undefined) => {
    const outcome = await deliverWebhook(db, deps, { deliveryId: claim.id, claim, loaded });
    if (!("attempt" in outcome)) return;
    attempted += 1;
    if (outcome.outcome === "delivered") delivered += 1;
    options.onAttempt?.(outcome);
  };

  const serve = async (endpointId: string) => {
    const claims = await claimDueDeliveries(db, { now: clock(), endpointId, limit: batchSize });
    const loaded = claims.length ? await loadClaimed(db, endpointId, claims) : new Map();
    let next = 0;
    const worker = async () => {
      for (let claim = claims[next++]; claim; claim = claims[next++])
        await attempt(claim, loaded.get(claim.id));
    };
    await Promise.all(Array.from({ length: Math.min(perEndpoint, claims.length) }, worker));
    return claims.length === batchSize;
  };

  // One batch of one endpoint at a time per endpoint; ENDPOINTS_AT_ONCE batches in flight.
  const running = new Set<Promise<void>>();
  const fill = () => {
    while (running.size < endpointsAtOnce && !options.signal?.aborted) {
      const endpointId = queue.shift();
      if (!endpointId) return;
      const task: Promise<void> = serve(endpointId)
        .then(
          (more) => {
            if (more) queue.push(endpointId);
            else known.delete(endpointId);
          },
          (error: unknown) => {
            failure ??= error; // reported when the sweep ends, after the other batches finish
            known.delete(endpointId);
          },
        )
        .finally(() => running.delete(task));
      running.add(task);
    }
  };
  await look();
  fill();
  while (running.size > 0) {
    await Promise.race(running);
    if (failure !== undefined) {
      await Promise.all(running);
      break;
    }
    if (performance.now() - lookedAt > LOOK_AGAIN_MS) await look();
    fill();
  }
  if (failure !== undefined) throw failure;
  return { attempted, delivered };
}

/** A claimed batch's deliveries, their endpoint and their events: three queries, not three each. */
async function loadClaimed(
  db: DbClient,
  endpointId: string,
  claims: DeliveryClaim[],
): Promise<Map<string, LoadedDelivery>> {
  const [endpoint, deliveries] = await Promise.all([
    db.webhookEndpoint.findUnique({ where: { id: endpointId } }),
    db.webhookDelivery.findMany({ where: { id: { in: claims.map((c) => c.id) } } }),
  ]);
  const events = await db.event.findMany({ where: { id: { in: deliveries.map((d) => d.eventId) } } });
  const eventById = new Map(events.map((e) => [e.id, e]));
  const loaded = new Map<string, LoadedDelivery>();
  for (const delivery of deliveries) {
    const event = eventById.get(delivery.eventId);
    if (endpoint && event) loaded.set(delivery.id, { delivery: { ...delivery, endpoint }, event });
  }
  return loaded;
}
