import type { DbClient } from "../db-types";
import { deliverDueWebhooks } from "./deliver-due-webhooks";
import type { DeliveryOutcome } from "./deliver-webhook";
import type { WebhookDeps } from "./webhook-deps";

/** How long the sweeps wait after one that found nothing due. */
export const WEBHOOK_IDLE_SWEEP_MS = 5_000;

/**
 * Sweeps until stopped: one at a time, the next at once after a sweep that sent something (while
 * there is due work), else after `idleMs`. `context` is read at each sweep (the app's database
 * and deps are made lazily). A failed sweep is reported and the next one tries again.
 */
export function runWebhookSweeps(
  context: () => { db: DbClient; deps: WebhookDeps },
  options: {
    idleMs?: number;
    onAttempt?: (outcome: DeliveryOutcome) => void;
    onSweep?: (counts: { attempted: number; delivered: number }) => void;
    onError?: (error: unknown) => void;
    /** Whether the timer keeps the process alive (not in the app: it must not block shutdown). */
    keepAlive?: boolean;
  } = {},
): { stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();
  let current: Promise<void> = Promise.resolve();
  const schedule = (ms: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      current = sweep();
    }, ms);
    if (!options.keepAlive) timer.unref();
  };
  const sweep = async () => {
    let busy = false;
    try {
      const { db, deps } = context();
      const counts = await deliverDueWebhooks(db, deps, {
        onAttempt: options.onAttempt,
        signal: stopping.signal,
      });
      busy = counts.attempted > 0;
      options.onSweep?.(counts);
    } catch (error) {
      options.onError?.(error);
    }
    schedule(busy ? 0 : (options.idleMs ?? WEBHOOK_IDLE_SWEEP_MS));
  };
  schedule(options.idleMs ?? WEBHOOK_IDLE_SWEEP_MS);
  return {
    /** Claims nothing more and resolves when the attempts already claimed are recorded. */
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      await current;
    },
  };
}
