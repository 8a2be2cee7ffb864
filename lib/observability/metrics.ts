// Prometheus metrics for this process (prom-client). One registry, so /api/metrics shows only what
// Malipo defines plus Node's default process metrics. Counters and histograms are per process: with
// several app instances each one exposes its own and Prometheus sums them. The database gauges
// (lib/observability/collect-database-gauges.ts) are read at scrape time and are global: every
// instance reports the same numbers, so aggregate them with max(), never sum().
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const globalForMetrics = globalThis as unknown as { malipoMetrics?: ReturnType<typeof createMetrics> };

/** Seconds buckets for request-time work (acknowledgements, Daraja calls, webhook attempts). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds buckets for money settling (callback may come minutes after initiation). */
const SETTLEMENT_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600];

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "malipo_" });
  const registers = [registry];

  return {
    registry,
    /** Callbacks that reached a callback route: kind is the CallbackKind (or "unknown"); outcome stored | refused | spooled. */
    callbacksReceived: new Counter({
      name: "malipo_callbacks_received_total",
      help: "M-Pesa callbacks received, by kind and outcome (stored, refused, spooled).",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    /** Time from a callback request arriving to its acknowledgement being returned. */
    callbackAckSeconds: new Histogram({
      name: "malipo_callback_ack_seconds",
      help: "Time to acknowledge an M-Pesa callback, in seconds.",
      labelNames: ["kind"] as const,
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    /** Callbacks stored by each INSERT of the acknowledgement's group commit (group-callback-writes.ts). */
    callbackStoreRows: new Histogram({
      name: "malipo_callback_store_rows",
      help: "Callbacks stored together by one INSERT (group commit while acknowledging).",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    }),
    /** From a money movement's start (payment or payout initiated) to its final state. */
    settlementSeconds: new Histogram({
      name: "malipo_settlement_seconds",
      help: "Time from initiation to settlement of a payment or payout, in seconds.",
      labelNames: ["kind", "status"] as const,
      buckets: SETTLEMENT_BUCKETS,
      registers,
    }),
    /** Every Daraja request: api (stk_push, b2c, …) and result ("0", an error code, "http_500", "network"). */
    darajaCalls: new Counter({
      name: "malipo_daraja_calls_total",
      help: "Daraja API calls, by API and result code.",
      labelNames: ["api", "result"] as const,
      registers,
    }),
    darajaCallSeconds: new Histogram({
      name: "malipo_daraja_call_seconds",
      help: "Daraja API call latency, in seconds.",
      labelNames: ["api"] as const,
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    /** One increment per webhook attempt; outcome delivered | failed | refused (SSRF, disabled endpoint). */
    webhookDeliveries: new Counter({
      name: "malipo_webhook_deliveries_total",
      help: "Webhook delivery attempts, by outcome (delivered, failed, refused).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    webhookLatency: new Histogram({
      name: "malipo_webhook_attempt_seconds",
      help: "Webhook attempt latency (request to response), in seconds.",
      labelNames: ["outcome"] as const,
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    // Database gauges: set by collectDatabaseGauges just before a scrape (global across instances).
    inboxPending: new Gauge({
      name: "malipo_inbox_pending",
      help: "Callback inbox entries waiting to be processed (global).",
      registers,
    }),
    inboxOldestPendingSeconds: new Gauge({
      name: "malipo_inbox_oldest_pending_seconds",
      help: "Age of the oldest pending callback inbox entry, in seconds; 0 when none (global).",
      registers,
    }),
    inboxDead: new Gauge({
      name: "malipo_inbox_dead",
      help: "Callback inbox entries that gave up after retries (global).",
      registers,
    }),
    spoolSize: new Gauge({
      name: "malipo_callback_spool_files",
      help: "Callbacks spooled to disk on this instance, waiting for the database.",
      registers,
    }),
    payoutsByStatus: new Gauge({
      name: "malipo_payouts",
      help: "Payouts by status (global).",
      labelNames: ["status"] as const,
      registers,
    }),
    openReviewItems: new Gauge({
      name: "malipo_review_items_open",
      help: "Open review items (global).",
      registers,
    }),
    reversalsByStatus: new Gauge({
      name: "malipo_reversals",
      help: "Reversals by status (global).",
      labelNames: ["status"] as const,
      registers,
    }),
    /** Reconciliation runs started in the last 24 hours (from reconciliation_runs, so global). */
    reconciliationRuns: new Gauge({
      name: "malipo_reconciliation_runs_24h",
      help: "Reconciliation runs started in the last 24 hours, by kind (sweep, pull, statement) and outcome (ok, failed, running) (global).",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    inboxDeadLastHour: new Gauge({
      name: "malipo_inbox_dead_last_hour",
      help: "Callback inbox entries that went dead in the last hour (global).",
      registers,
    }),
    spoolSetAside: new Gauge({
      name: "malipo_callback_spool_set_aside",
      help: "Spooled callbacks on this instance set aside for a person after failing to drain.",
      registers,
    }),
    oldestUnknownPayoutSeconds: new Gauge({
      name: "malipo_payout_oldest_unknown_seconds",
      help: "Seconds since the oldest payout in status unknown last changed; 0 when none (global).",
      registers,
    }),
    stkSettledLastHour: new Gauge({
      name: "malipo_stk_settled_last_hour",
      help: "STK payments started in the last hour that reached a final state, by paid (true/false) (global).",
      labelNames: ["paid"] as const,
      registers,
    }),
    webhookMaxFailureStreak: new Gauge({
      name: "malipo_webhook_endpoint_max_failure_streak",
      help: "Longest run of failed deliveries among enabled webhook endpoints (global).",
      registers,
    }),
    webhookEndpointsDisabled: new Gauge({
      name: "malipo_webhook_endpoints_disabled",
      help: "Webhook endpoints disabled after failing (global).",
      registers,
    }),
  };
}

/** The process-wide metrics (kept on globalThis so Next's dev reloads don't register twice). */
export const metrics = globalForMetrics.malipoMetrics ?? createMetrics();
globalForMetrics.malipoMetrics = metrics;

export const {
  registry,
  callbacksReceived,
  callbackAckSeconds,
  callbackStoreRows,
  settlementSeconds,
  darajaCalls,
  darajaCallSeconds,
  webhookDeliveries,
  webhookLatency,
  reconciliationRuns,
  inboxPending,
  inboxOldestPendingSeconds,
  inboxDead,
  spoolSize,
  payoutsByStatus,
  openReviewItems,
  reversalsByStatus,
  webhookEndpointsDisabled,
  inboxDeadLastHour,
  spoolSetAside,
  oldestUnknownPayoutSeconds,
  stkSettledLastHour,
  webhookMaxFailureStreak,
} = metrics;
