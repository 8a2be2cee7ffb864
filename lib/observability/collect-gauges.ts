import type { DbClient } from "../db-types";
import { metrics } from "./metrics";
import { readOperationsSnapshot, readSpoolCounts } from "./read-operations-snapshot";

/**
 * Sets the gauges from the database and this instance's spool, just before a scrape. The database
 * ones are global: every instance reports the same values (aggregate them with max()).
 */
export async function collectGauges(db: DbClient, options: { spoolDir: string; now?: Date }): Promise<void> {
  const snapshot = await readOperationsSnapshot(db, { now: options.now });
  metrics.inboxPending.set(snapshot.inbox.pending);
  metrics.inboxOldestPendingSeconds.set(snapshot.inbox.oldestPendingSeconds);
  metrics.inboxDead.set(snapshot.inbox.dead);
  metrics.inboxDeadLastHour.set(snapshot.inbox.deadLastHour);
  for (const [status, count] of Object.entries(snapshot.payouts))
    metrics.payoutsByStatus.set({ status }, count);
  metrics.oldestUnknownPayoutSeconds.set(snapshot.oldestUnknownPayoutSeconds);
  for (const [status, count] of Object.entries(snapshot.reversals))
    metrics.reversalsByStatus.set({ status }, count);
  metrics.openReviewItems.set(snapshot.openReviewItems);
  metrics.webhookEndpointsDisabled.set(snapshot.webhooks.disabledEndpoints);
  metrics.webhookMaxFailureStreak.set(snapshot.webhooks.maxFailureStreak);
  metrics.reconciliationRuns.reset();
  for (const run of snapshot.reconciliationRuns)
    metrics.reconciliationRuns.set({ kind: run.kind, outcome: run.outcome }, run.count);
  metrics.stkSettledLastHour.set({ paid: "true" }, snapshot.stkLastHour.paid);
  metrics.stkSettledLastHour.set({ paid: "false" }, snapshot.stkLastHour.settled - snapshot.stkLastHour.paid);
  let spool = { waiting: 0, setAside: 0 };
  try {
    spool = readSpoolCounts(options.spoolDir);
  } catch {
    // An unreadable spool directory shows in /api/health; the metric keeps its last value.
  }
  metrics.spoolSize.set(spool.waiting);
  metrics.spoolSetAside.set(spool.setAside);
}
