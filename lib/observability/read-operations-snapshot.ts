// What whoever runs Malipo needs to see at a glance, read from the database in a few cheap,
// index-backed queries: the callback inbox, money stuck in flight, open review items, webhook
// endpoints in trouble and recent reconciliation. Global across merchants and app instances.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DbClient } from "../db-types";

/** Payout and reversal statuses still in flight (terminal ones only grow, so they are not counted). */
export const IN_FLIGHT_STATUSES = [
  "pending_approval",
  "approved",
  "submitted",
  "unknown",
  "needs_review",
] as const;

export interface OperationsSnapshot {
  inbox: { pending: number; oldestPendingSeconds: number; dead: number; deadLastHour: number };
  payouts: Record<string, number>;
  /** Seconds since the oldest payout in `unknown` was last updated (0 when none). */
  oldestUnknownPayoutSeconds: number;
  reversals: Record<string, number>;
  openReviewItems: number;
  webhooks: { disabledEndpoints: number; maxFailureStreak: number };
  /** Reconciliation runs started in the last 24 hours, by kind and outcome (ok, failed, running). */
  reconciliationRuns: { kind: string; outcome: string; count: number }[];
  /** STK payments started in the last hour that reached a final state, and how many of those were paid. */
  stkLastHour: { settled: number; paid: number };
}

const n = (value: bigint | number | null | undefined) => Number(value ?? 0);

export async function readOperationsSnapshot(
  db: DbClient,
  options: { now?: Date } = {},
): Promise<OperationsSnapshot> {
  const now = options.now ?? new Date();
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const [inbox, deadLastHour, payouts, unknownPayout, reversals, review, webhooks, runs, stk] =
    await Promise.all([
      db.$queryRaw<{ state: string; count: bigint; oldest: Date | null }[]>`
      SELECT state::text AS state, count(*) AS count, min(received_at) AS oldest
      FROM callback_inbox WHERE state IN ('pending', 'dead') GROUP BY state`,
      db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) AS count FROM callback_inbox WHERE state = 'dead' AND processed_at >= ${hourAgo}`,
      db.$queryRaw<{ status: string; count: bigint }[]>`
      SELECT status::text AS status, count(*) AS count FROM payouts
      WHERE status::text = ANY(${[...IN_FLIGHT_STATUSES]}) GROUP BY status`,
      db.$queryRaw<{ oldest: Date | null }[]>`
      SELECT min(updated_at) AS oldest FROM payouts WHERE status = 'unknown'`,
      db.$queryRaw<{ status: string; count: bigint }[]>`
      SELECT status::text AS status, count(*) AS count FROM reversals
      WHERE status::text = ANY(${[...IN_FLIGHT_STATUSES]}) GROUP BY status`,
      db.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM review_items WHERE status = 'open'`,
      db.$queryRaw<{ disabled: bigint; streak: number | null }[]>`
      SELECT count(*) FILTER (WHERE NOT enabled) AS disabled,
             max(failure_streak) FILTER (WHERE enabled) AS streak
      FROM webhook_endpoints`,
      db.$queryRaw<{ kind: string; outcome: string; count: bigint }[]>`
      SELECT kind,
             CASE WHEN finished_at IS NULL THEN 'running' WHEN error IS NULL THEN 'ok' ELSE 'failed' END AS outcome,
             count(*) AS count
      FROM reconciliation_runs WHERE started_at >= ${dayAgo} GROUP BY 1, 2`,
      db.$queryRaw<{ settled: bigint; paid: bigint }[]>`
      SELECT count(*) FILTER (WHERE status <> 'pending') AS settled,
             count(*) FILTER (WHERE status IN ('paid', 'reversed')) AS paid
      FROM payments WHERE created_at >= ${hourAgo}`,
    ]);
  const pending = inbox.find((row) => row.state === "pending");
  const byStatus = (rows: { status: string; count: bigint }[]) =>
    Object.fromEntries(
      IN_FLIGHT_STATUSES.map((status) => [status, n(rows.find((r) => r.status === status)?.count)]),
    );
  const age = (oldest: Date | null | undefined) =>
    oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0;
  return {
    inbox: {
      pending: n(pending?.count),
      oldestPendingSeconds: age(pending?.oldest),
      dead: n(inbox.find((row) => row.state === "dead")?.count),
      deadLastHour: n(deadLastHour[0]?.count),
    },
    payouts: byStatus(payouts),
    oldestUnknownPayoutSeconds: age(unknownPayout[0]?.oldest),
    reversals: byStatus(reversals),
    openReviewItems: n(review[0]?.count),
    webhooks: { disabledEndpoints: n(webhooks[0]?.disabled), maxFailureStreak: n(webhooks[0]?.streak) },
    reconciliationRuns: runs.map((row) => ({ kind: row.kind, outcome: row.outcome, count: n(row.count) })),
    stkLastHour: { settled: n(stk[0]?.settled), paid: n(stk[0]?.paid) },
  };
}

/** Callbacks waiting in this instance's spool (database was down) and lines set aside for a person. */
export function readSpoolCounts(spoolDir: string): { waiting: number; setAside: number } {
  const lines = (file: string) => {
    const path = join(spoolDir, file);
    if (!existsSync(path)) return 0;
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line.trim()).length;
  };
  return { waiting: lines("callbacks.jsonl"), setAside: lines("set-aside.jsonl") };
}
