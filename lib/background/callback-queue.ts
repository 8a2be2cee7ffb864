// Stored callbacks on their way to processing, Next-free so the front server's callback route
// (lib/http/mpesa-callback.ts) hands off exactly as Next's route does (afterCallbackStored in
// ./index.ts calls this after the response). Ids wait here while earlier ones settle, so a burst
// becomes a few batches (processInboxBatch: one claim, the batch settled together, one `processed`
// mark) and the in-process settlement never takes more than SETTLE_WORKERS connections or
// transactions at once; while acknowledgements are in flight it drops to one batch at a time,
// gathered for a moment first, so they keep their own pools (lib/db.ts getIngestPool) and most of
// the CPU, and settlement catches up between bursts. With Inngest, the ids go
// out as one send per batch. The queue lives on globalThis: Next's bundle and the front server
// load this module separately but share one queue. Lost with the process; reconciliation
// (reconcile-payments.ts) picks up whatever stayed pending.
import { getLogger } from "../logger";
import { withSpan } from "../observability/tracing";
import { INBOX_BATCH_SIZE, processInboxBatch } from "../payments/callbacks/process-inbox-batch";
import { getInngest, inngestConfigured } from "./client";
import { appBackgroundContext } from "./context";
import { callbackReceivedEvent } from "./events";

/** Batches settling (or being sent to Inngest) at once in this process. */
export const SETTLE_WORKERS = 2;
/** Settlements in flight within one batch, each its own transaction. */
export const SETTLE_CONCURRENCY_PER_BATCH = 2;

/**
 * While callbacks are being acknowledged, one worker settles, one batch at a time, each gathered
 * for up to BUSY_PAUSE_MS first: a batch settles together (processInboxBatch), so a few large
 * batches cost far less CPU than many small ones, and the CPU goes to the answers meanwhile.
 */
const BUSY_BATCH_SIZE = INBOX_BATCH_SIZE;
const BUSY_PAUSE_MS = 50;

interface CallbackQueue {
  /** Callback requests being answered now (answerMpesaCallback): the acknowledgements come first. */
  acknowledging: number;
  /** A worker holds this to go on settling while acknowledgements are in flight; the others pause. */
  lead: boolean;
  /** Ids waiting for a worker, each with whoever waits for it to be processed. */
  waiting: Map<string, (() => void)[]>;
  workers: number;
  idle: (() => void)[];
}
const holder = globalThis as unknown as { malipoCallbackQueue?: CallbackQueue };
const queue = (): CallbackQueue => {
  holder.malipoCallbackQueue ??= { acknowledging: 0, lead: false, waiting: new Map(), workers: 0, idle: [] };
  return holder.malipoCallbackQueue;
};

/**
 * Counts `work` (answering a callback request) as an acknowledgement in flight: meanwhile the
 * queue settles with one worker, small batches and no concurrency, so the CPU goes to the answers.
 */
export async function acknowledging<T>(work: () => Promise<T>): Promise<T> {
  const q = queue();
  q.acknowledging += 1;
  try {
    return await work();
  } finally {
    q.acknowledging -= 1;
  }
}

/**
 * A callback is stored: settle it soon (here or through Inngest). Resolves once its batch was
 * processed or sent (Next's after() waits for it, and so can a test); never rejects: a failure
 * is logged and left to reconciliation.
 */
export function processStoredCallback(inboxId: string): Promise<void> {
  const q = queue();
  const done = new Promise<void>((resolve) => {
    const waiters = q.waiting.get(inboxId);
    if (waiters) waiters.push(resolve);
    else q.waiting.set(inboxId, [resolve]);
  });
  while (q.workers < SETTLE_WORKERS && q.workers < q.waiting.size) {
    q.workers += 1;
    setImmediate(() => void work(q));
  }
  return done;
}

/** Resolves once every id handed in so far has been processed or sent (tests, benchmarks, shutdown). */
export function callbackQueueIdle(): Promise<void> {
  const q = queue();
  if (q.workers === 0 && q.waiting.size === 0) return Promise.resolve();
  return new Promise((resolve) => q.idle.push(resolve));
}

function take(q: CallbackQueue, size: number): { ids: string[]; waiters: (() => void)[] } {
  const ids: string[] = [];
  const waiters: (() => void)[] = [];
  for (const [id, resolvers] of q.waiting) {
    if (ids.length === size) break;
    ids.push(id);
    waiters.push(...resolvers);
    q.waiting.delete(id);
  }
  return { ids, waiters };
}

async function work(q: CallbackQueue): Promise<void> {
  let lead = false;
  try {
    for (;;) {
      const busy = q.acknowledging > 0;
      if (busy && !lead) {
        if (q.lead) {
          if (q.waiting.size === 0) break;
          await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
          continue;
        }
        q.lead = lead = true;
      }
      if (busy && q.waiting.size < BUSY_BATCH_SIZE)
        await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
      const batch = take(q, busy ? BUSY_BATCH_SIZE : INBOX_BATCH_SIZE);
      const { ids } = batch;
      if (ids.length === 0) break;
      try {
        if (inngestConfigured()) {
          await getInngest().send(
            ids.map((inboxId) => ({ name: callbackReceivedEvent.name, data: { inboxId } })),
          );
          continue;
        }
        const { db, deps } = appBackgroundContext();
        const result = await withSpan("callback process", { "malipo.inbox_count": ids.length }, () =>
          processInboxBatch(db, {
            keyring: deps.keyring,
            inboxIds: ids,
            concurrency: busy ? 1 : SETTLE_CONCURRENCY_PER_BATCH,
          }),
        );
        if (result.togetherError)
          getLogger()
            .child({ component: "background" })
            .warn(
              { error: result.togetherError, inboxIds: ids.length },
              "a batch could not settle together; its callbacks were processed one by one",
            );
      } catch (error) {
        getLogger()
          .child({ component: "background" })
          .error(
            { err: error, event: callbackReceivedEvent.name, inboxIds: ids.length },
            "background work failed; reconciliation will retry",
          );
      } finally {
        for (const resolve of batch.waiters) resolve();
      }
    }
  } finally {
    if (lead) q.lead = false;
    q.workers -= 1;
    if (q.workers === 0 && q.waiting.size === 0) for (const resolve of q.idle.splice(0)) resolve();
  }
}
