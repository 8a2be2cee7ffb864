// The alert rules of docs/alerts.yml, for one merchant's owners: the same conditions computed
// from that merchant's rows (one statement of counts on indexed columns), shown as a banner in the
// dashboard.
// Scoped to the merchant on purpose: one tenant never learns about another's callbacks or money.
import type { DbClient } from "../db-types";
import { displayCache } from "../display-cache";

export type OwnerAlertId =
  | "success_rate_drop"
  | "inbox_backlog"
  | "dead_callbacks"
  | "daraja_errors"
  | "payouts_stuck_unknown"
  | "webhook_failure_streak";

export interface OwnerAlert {
  id: OwnerAlertId;
  message: string;
  /** Where in the dashboard to look. */
  href: string;
}

/** Thresholds, in step with docs/alerts.yml. */
export const ALERT_THRESHOLDS = {
  successRateMin: 0.5,
  successRateMinSettled: 10,
  inboxBacklogSeconds: 300,
  darajaErrorShare: 0.2,
  darajaMinErrors: 5,
  unknownPayoutSeconds: 3600,
  webhookFailureStreak: 3,
} as const;

/** What findOwnerAlerts counts, in one statement (each part on the index its filter names). */
async function countAlertConditions(db: DbClient, merchantId: string, now: number) {
  const t = ALERT_THRESHOLDS;
  const ago = (ms: number) => new Date(now - ms);
  const [row] = await db.$queryRaw<
    {
      settled: bigint;
      paid: bigint;
      backlog: bigint;
      dead: bigint;
      daraja_calls: bigint;
      daraja_errors: bigint;
      unknown_payouts: bigint;
      failing_endpoints: bigint;
    }[]
  >`
    SELECT p.settled, p.paid, i.backlog, i.dead, d.daraja_calls, d.daraja_errors,
      (SELECT count(*) FROM payouts
        WHERE merchant_id = ${merchantId}::uuid AND status = 'unknown'
          AND updated_at < ${ago(t.unknownPayoutSeconds * 1000)}) AS unknown_payouts,
      (SELECT count(*) FROM webhook_endpoints
        WHERE merchant_id = ${merchantId}::uuid
          AND ((enabled AND failure_streak >= ${t.webhookFailureStreak})
            OR (NOT enabled AND disabled_at >= ${ago(86_400_000)} AND disabled_reason IS NOT NULL))
      ) AS failing_endpoints
    FROM
      (SELECT count(*) FILTER (WHERE status <> 'pending') AS settled,
              count(*) FILTER (WHERE status IN ('paid', 'reversed')) AS paid
         FROM payments WHERE merchant_id = ${merchantId}::uuid AND created_at >= ${ago(3_600_000)}) p,
      (SELECT count(*) FILTER (WHERE state = 'pending' AND received_at < ${ago(t.inboxBacklogSeconds * 1000)}) AS backlog,
              count(*) FILTER (WHERE state = 'dead' AND processed_at >= ${ago(86_400_000)}) AS dead
         FROM callback_inbox WHERE merchant_id = ${merchantId}::uuid AND state IN ('pending', 'dead')) i,
      (SELECT count(*) AS daraja_calls, count(error) AS daraja_errors
         FROM daraja_calls WHERE merchant_id = ${merchantId}::uuid AND started_at >= ${ago(600_000)}) d`;
  const n = (value: bigint | undefined) => Number(value ?? 0);
  return {
    settled: n(row?.settled),
    paid: n(row?.paid),
    backlog: n(row?.backlog),
    dead: n(row?.dead),
    darajaCalls: n(row?.daraja_calls),
    darajaErrors: n(row?.daraja_errors),
    unknownPayouts: n(row?.unknown_payouts),
    failingEndpoints: n(row?.failing_endpoints),
  };
}

/** The alert conditions that hold for this merchant right now (one SQL statement). */
export async function findOwnerAlerts(
  db: DbClient,
  options: { merchantId: string; now?: Date },
): Promise<OwnerAlert[]> {
  const t = ALERT_THRESHOLDS;
  const { settled, paid, backlog, dead, darajaCalls, darajaErrors, unknownPayouts, failingEndpoints } =
    await countAlertConditions(db, options.merchantId, (options.now ?? new Date()).getTime());
  const alerts: OwnerAlert[] = [];
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  if (settled >= t.successRateMinSettled && paid / settled < t.successRateMin)
    alerts.push({
      id: "success_rate_drop",
      message: `Only ${paid} of the last hour's ${settled} completed payment prompts were paid.`,
      href: "/payments",
    });
  if (backlog > 0)
    alerts.push({
      id: "inbox_backlog",
      message: `${plural(backlog, "callback")} from M-Pesa waiting more than 5 minutes to be processed.`,
      href: "/callbacks",
    });
  if (dead > 0)
    alerts.push({
      id: "dead_callbacks",
      message: `${plural(dead, "callback")} failed every retry in the last day and need a person to replay.`,
      href: "/callbacks",
    });
  if (darajaErrors >= t.darajaMinErrors && darajaErrors / Math.max(darajaCalls, 1) > t.darajaErrorShare)
    alerts.push({
      id: "daraja_errors",
      message: `${darajaErrors} of ${darajaCalls} calls to M-Pesa failed in the last 10 minutes.`,
      href: "/settings",
    });
  if (unknownPayouts > 0)
    alerts.push({
      id: "payouts_stuck_unknown",
      message: `${plural(unknownPayouts, "payout")} sent more than an hour ago with no known outcome yet.`,
      href: "/payouts",
    });
  if (failingEndpoints > 0)
    alerts.push({
      id: "webhook_failure_streak",
      message: `${plural(failingEndpoints, "webhook endpoint")} keep failing or were disabled.`,
      href: "/settings",
    });
  return alerts;
}

/**
 * How long the dashboard banner may reuse a merchant's alerts. Every condition is minutes long (a
 * backlog older than 5 minutes, an hour's success rate, a payout unknown for an hour), so a banner
 * up to 20 s late says the same; without it every page load of every owner ran the statement.
 */
export const OWNER_ALERTS_CACHE_MS = 20_000;
const bannerCache = displayCache<OwnerAlert[]>({ ttlMs: OWNER_ALERTS_CACHE_MS });

/**
 * findOwnerAlerts for the dashboard banner, remembered per merchant in this process for
 * OWNER_ALERTS_CACHE_MS (lib/display-cache.ts). Only for display: anything acting on a condition
 * calls findOwnerAlerts.
 */
export function findOwnerAlertsForBanner(
  db: DbClient,
  options: { merchantId: string; now?: Date },
): Promise<OwnerAlert[]> {
  return bannerCache.get(options.merchantId, () => findOwnerAlerts(db, options), options.now?.getTime());
}
