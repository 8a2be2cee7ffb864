// The alert rules of docs/alerts.yml, for one merchant's owners: the same conditions computed
// from that merchant's rows (a few counts on indexed columns), shown as a banner in the dashboard.
// Scoped to the merchant on purpose: one tenant never learns about another's callbacks or money.
import type { DbClient } from "../db-types";

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

export async function findOwnerAlerts(
  db: DbClient,
  options: { merchantId: string; now?: Date },
): Promise<OwnerAlert[]> {
  const { merchantId } = options;
  const now = (options.now ?? new Date()).getTime();
  const ago = (ms: number) => new Date(now - ms);
  const t = ALERT_THRESHOLDS;
  const [settled, paid, backlog, dead, darajaCalls, darajaErrors, unknownPayouts, failingEndpoints] =
    await Promise.all([
      db.payment.count({
        where: { merchantId, createdAt: { gte: ago(3_600_000) }, status: { not: "pending" } },
      }),
      db.payment.count({
        where: { merchantId, createdAt: { gte: ago(3_600_000) }, status: { in: ["paid", "reversed"] } },
      }),
      db.callbackInbox.count({
        where: { merchantId, state: "pending", receivedAt: { lt: ago(t.inboxBacklogSeconds * 1000) } },
      }),
      db.callbackInbox.count({ where: { merchantId, state: "dead", processedAt: { gte: ago(86_400_000) } } }),
      db.darajaCall.count({ where: { merchantId, startedAt: { gte: ago(600_000) } } }),
      db.darajaCall.count({ where: { merchantId, startedAt: { gte: ago(600_000) }, error: { not: null } } }),
      db.payout.count({
        where: { merchantId, status: "unknown", updatedAt: { lt: ago(t.unknownPayoutSeconds * 1000) } },
      }),
      db.webhookEndpoint.count({
        where: {
          merchantId,
          OR: [
            { enabled: true, failureStreak: { gte: t.webhookFailureStreak } },
            { enabled: false, disabledAt: { gte: ago(86_400_000) }, disabledReason: { not: null } },
          ],
        },
      }),
    ]);
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
