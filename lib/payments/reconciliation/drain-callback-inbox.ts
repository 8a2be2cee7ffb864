import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import { processInboxBatch } from "../callbacks/process-inbox-batch";
import { MAX_INBOX_ATTEMPTS } from "../callbacks/settle-waiting-callbacks";

export interface InboxDrain {
  processed: number;
  dead: number;
  retry: number;
  /** The last entry looked at: the next drain goes on after it (ids are time-ordered UUIDv7). */
  cursor: string | null;
  /** True when the time budget ran out before the backlog did. */
  more: boolean;
}

const BATCH = 200;

/**
 * Processes every stored callback still waiting, oldest first, in batches (processInboxBatch: the
 * plain results of a batch settle together, the rest `concurrency` at a time), until the backlog
 * is empty or `budgetMs` is spent: after a restart (or an outage) the backlog goes at the
 * settlement rate, not a fixed batch per run. Each entry is looked at once per drain (the cursor
 * moves past it), so one whose payment is not known yet does not spin; the next drain retries it.
 * Entries younger than `minAgeMs` are left to the processing their arrival scheduled.
 */
export async function drainCallbackInbox(
  db: DbClient,
  options: {
    keyring: Keyring;
    now?: () => Date;
    minAgeMs?: number;
    concurrency?: number;
    budgetMs?: number;
    cursor?: string | null;
  },
): Promise<InboxDrain> {
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const budgetMs = options.budgetMs ?? 50_000;
  const concurrency = Math.max(1, options.concurrency ?? 6);
  const drain: InboxDrain = { processed: 0, dead: 0, retry: 0, cursor: options.cursor ?? null, more: false };
  for (;;) {
    const batch = await db.callbackInbox.findMany({
      where: {
        state: { in: ["pending", "failed"] },
        receivedAt: { lt: new Date(now().getTime() - (options.minAgeMs ?? 0)) },
        attempts: { lt: MAX_INBOX_ATTEMPTS },
        ...(drain.cursor ? { id: { gt: drain.cursor } } : {}),
      },
      select: { id: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    const { outcomes } = await processInboxBatch(db, {
      keyring: options.keyring,
      inboxIds: batch.map((entry) => entry.id),
      concurrency,
      now,
    });
    for (const outcome of outcomes.values()) {
      if (outcome === "processed") drain.processed += 1;
      else if (outcome === "dead") drain.dead += 1;
      else if (outcome === "retry" || outcome === "failed") drain.retry += 1;
    }
    drain.cursor = batch.at(-1)?.id ?? drain.cursor;
    if (batch.length < BATCH) return drain;
    if (Date.now() - started >= budgetMs) {
      drain.more = true;
      return drain;
    }
  }
}
