// Background work after a request: through Inngest when it is configured, otherwise in this
// process with the same core functions (timers for follow-ups, an interval for reconciliation),
// so the zero-setup default settles payments too. In-process timers die with the process;
// reconciliation picks up whatever they had not finished. The Inngest side of each event is a
// function in inngest/functions that calls the same core operation.
import "server-only";
import { after } from "next/server";
import { kenyanDayOf } from "../kenyan-days";
import { getLogger } from "../logger";
import {
  FOLLOW_UP_BACK_OFF_SECONDS,
  FOLLOW_UP_FIRST_WAIT_SECONDS,
  followUpStkPayment,
} from "../payments/collections/follow-up-stk-payment";
import { findPayoutsToSubmit } from "../payments/payouts/find-payouts-to-submit";
import { findStrandedPayouts } from "../payments/payouts/find-stranded-payouts";
import { FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS, followUpPayout } from "../payments/payouts/follow-up-payout";
import { createSubmitPacer } from "../payments/payouts/submit-pacer";
import { submitPayout } from "../payments/payouts/submit-payout";
import { closeReconciliationDays } from "../payments/reconciliation/close-reconciliation-days";
import { drainCallbackInbox } from "../payments/reconciliation/drain-callback-inbox";
import { findMerchantsToPull } from "../payments/reconciliation/find-merchants-to-pull";
import { pullTransactions } from "../payments/reconciliation/pull-transactions";
import { reconcilePayments } from "../payments/reconciliation/reconcile-payments";
import { findStrandedReversals } from "../payments/reversals/find-stranded-reversals";
import { followUpReversal } from "../payments/reversals/follow-up-reversal";
import { submitReversal } from "../payments/reversals/submit-reversal";
import { runWebhookSweeps } from "../webhooks/run-webhook-sweeps";
import { webhookDeps } from "../webhooks-runtime";
import { processStoredCallback } from "./callback-queue";
import { getInngest, inngestConfigured } from "./client";
import { appBackgroundContext, type BackgroundContext } from "./context";
import {
  type BackgroundEvent,
  payoutApprovedEvent,
  reconcileRequestedEvent,
  reversalApprovedEvent,
  stkInitiatedEvent,
} from "./events";
import { countWebhookAttempt } from "./webhook-metrics";

const log = () => getLogger().child({ component: "background" });

/**
 * In-process work runs a few at a time: a burst of callbacks must not turn into a burst of
 * settlement transactions competing with the acknowledgements for CPU and connections.
 */
function boundedQueue(concurrency: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
const inProcess = boundedQueue(4);

/**
 * The one fork between Inngest and this process, after the response is sent: send `event` when
 * Inngest is configured, otherwise run `here`. A failure is only logged: reconciliation retries.
 */
function handOff<Data extends Record<string, unknown>>(
  event: BackgroundEvent<Data>,
  data: Data,
  here: (context: BackgroundContext) => Promise<unknown>,
): void {
  after(async () => {
    try {
      if (inngestConfigured()) await getInngest().send({ name: event.name, data: event.data.parse(data) });
      else await here(appBackgroundContext());
    } catch (error) {
      const fields: Record<string, unknown> = { err: error, event: event.name, ...data };
      log().error(fields, "background work failed; reconciliation will retry");
    }
  });
}

/**
 * A callback is stored: process it after the response is sent, batched with others arriving
 * meanwhile (./callback-queue.ts, which the front server's callback route uses directly).
 */
export function afterCallbackStored(inboxId: string): void {
  after(() => processStoredCallback(inboxId));
}

/** An STK prompt went out: follow it up (query if no callback) until it settles or times out. */
export function afterStkInitiated(paymentId: string): void {
  handOff(stkInitiatedEvent, { paymentId }, async ({ db, deps, spoolDir }) => {
    const delays = [FOLLOW_UP_FIRST_WAIT_SECONDS, ...FOLLOW_UP_BACK_OFF_SECONDS];
    const attempt = (index: number) => {
      const seconds = delays[index];
      if (seconds === undefined) return;
      setTimeout(async () => {
        try {
          const result = await followUpStkPayment(db, deps, { paymentId, spoolDir });
          if (result === "still_pending") attempt(index + 1);
        } catch (error) {
          log().error({ err: error, paymentId }, "follow-up failed; reconciliation will retry");
        }
      }, seconds * 1000).unref();
    };
    attempt(0);
  });
}

/** In this process, the submit function's per-merchant concurrency and throttle. */
const payoutPacer = createSubmitPacer();
/** A payout M-Pesa did not take (throttled, unreachable) is tried again this often, this many times. */
const NOT_SENT_RETRY_SECONDS = [10, 30, 120];

/** Follows a sent payout or reversal up on the same schedule as Inngest's follow-up functions. */
function followUpHere(step: () => Promise<string>, fields: Record<string, string>, index = 0): void {
  const seconds = FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS[index];
  if (seconds === undefined) return; // reconciliation takes over
  setTimeout(async () => {
    try {
      const result = await step();
      if (result !== "settled" && result !== "gave_up") followUpHere(step, fields, index + 1);
    } catch (error) {
      log().error({ err: error, ...fields }, "follow-up failed; reconciliation will retry");
    }
  }, seconds * 1000).unref();
}

/**
 * Sends one payout or reversal (`send` never sends twice), follows it up once it went out, and
 * tries again a send M-Pesa certainly did not take.
 */
async function sendHere(
  send: () => Promise<{ outcome: string; status: string }>,
  followUp: () => Promise<string>,
  fields: Record<string, string>,
  attempt = 0,
): Promise<void> {
  const result = await send();
  if (result.status === "submitted" || result.status === "unknown") followUpHere(followUp, fields);
  const retryIn = NOT_SENT_RETRY_SECONDS[attempt];
  if (result.outcome === "not_sent" && retryIn !== undefined) {
    setTimeout(() => {
      sendHere(send, followUp, fields, attempt + 1).catch((error: unknown) =>
        log().error({ err: error, ...fields }, "submission failed"),
      );
    }, retryIn * 1000).unref();
  }
}

/** Sends one payout at the merchant's pace (PayoutPolicy.submitPerSecond) and follows it up. */
function submitHere(
  context: BackgroundContext,
  payout: { id: string; merchantId: string; submitPerSecond: number },
): Promise<void> {
  return sendHere(
    async () => {
      const result = await payoutPacer.schedule(payout.merchantId, payout.submitPerSecond, () =>
        submitPayout(context.db, context.deps, { payoutId: payout.id, merchantId: payout.merchantId }),
      );
      return {
        outcome: result.outcome,
        status: result.outcome === "skipped" ? result.status : result.payout.status,
      };
    },
    () => followUpPayout(context.db, context.deps, { payoutId: payout.id }),
    { payoutId: payout.id },
  );
}

/** Sends one reversal and follows it up, in this process. */
function submitReversalHere(
  context: BackgroundContext,
  reversal: { reversalId: string; merchantId: string },
): Promise<void> {
  return sendHere(
    async () => {
      const result = await inProcess(() => submitReversal(context.db, context.deps, reversal));
      return {
        outcome: result.outcome,
        status: result.outcome === "skipped" ? result.status : result.reversal.status,
      };
    },
    () => followUpReversal(context.db, context.deps, { reversalId: reversal.reversalId }),
    { reversalId: reversal.reversalId },
  );
}

/**
 * The approval that completed a reversal (approveReversal's readyToSubmit): send it to Daraja
 * (Inngest's submit-reversal function, or here) and follow it up until it settles.
 */
export function afterReversalApproved(reversal: { id: string; merchantId: string }): void {
  handOff(reversalApprovedEvent, { reversalId: reversal.id, merchantId: reversal.merchantId }, (context) =>
    submitReversalHere(context, { reversalId: reversal.id, merchantId: reversal.merchantId }),
  );
}

/**
 * Payouts were approved: send each to Daraja (Inngest's submit-payout function, or here at the
 * merchant's PayoutPolicy.submitPerSecond, evenly spaced, a second's worth in flight) and follow it up.
 */
export function afterPayoutApproved(payoutIds: string[]): void {
  if (payoutIds.length === 0) return;
  after(() => handPayoutsOn(payoutIds));
}

/** Sends approved payouts on to submission: the one path for fresh approvals and stranded ones. */
async function handPayoutsOn(payoutIds: string[]): Promise<void> {
  try {
    const context = appBackgroundContext();
    const payouts = await findPayoutsToSubmit(context.db, { payoutIds });
    if (inngestConfigured()) {
      if (payouts.length === 0) return;
      await getInngest().send(
        payouts.map((p) => ({
          name: payoutApprovedEvent.name,
          data: payoutApprovedEvent.data.parse({ payoutId: p.id, merchantId: p.merchantId }),
        })),
      );
      return;
    }
    for (const payout of payouts) {
      submitHere(context, payout).catch((error: unknown) =>
        log().error({ err: error, payoutId: payout.id }, "payout submission failed"),
      );
    }
  } catch (error) {
    log().error({ err: error, event: payoutApprovedEvent.name, payoutIds }, "could not hand payouts on");
  }
}

let reconcileTimer: NodeJS.Timeout | undefined;
/** The Kenyan day whose previous day this process last closed (the in-process close-reconciliation-days). */
let closedDay: string | undefined;
/** How long the in-process sweep waits after a run that left no inbox backlog. */
const RECONCILE_EVERY_MS = 60_000;

/**
 * Without Inngest, reconcile inside the server (started at boot): first every callback left in the
 * inbox (a restart between acknowledgement and processing leaves some), at the settlement rate,
 * then every minute. A run whose inbox backlog outlasted its budget is followed at once by the next.
 */
export function startInProcessReconciliation(): void {
  if (reconcileTimer || inngestConfigured()) return;
  const run = async (boot: boolean) => {
    let more = false;
    try {
      const { db, deps, spoolDir } = appBackgroundContext();
      if (boot) {
        // Nothing in this process is processing them yet: no need to wait for them to age.
        const drained = await drainCallbackInbox(db, { keyring: deps.keyring });
        more = drained.more;
        if (drained.processed + drained.dead > 0) log().info({ drained }, "inbox drained at boot");
      }
      const counts = await reconcilePayments(db, deps, { spoolDir });
      more ||= counts.inboxMore;
      if (counts.queried + counts.inboxProcessed + counts.spoolDrained + counts.unsent > 0)
        log().info({ counts }, "reconciled");
      const stranded = await findStrandedPayouts(db);
      if (stranded.length > 0) await handPayoutsOn(stranded.map((s) => s.payoutId));
      for (const reversal of await findStrandedReversals(db)) {
        submitReversalHere({ db, deps, spoolDir }, reversal).catch((error: unknown) =>
          log().error({ err: error, ...reversal }, "reversal submission failed"),
        );
      }
      // Once per Kenyan day (and once at boot): yesterday's reconciliation days and stale ones.
      const today = kenyanDayOf(new Date());
      if (closedDay !== today) {
        closedDay = today;
        log().info(await closeReconciliationDays(db), "reconciliation days closed");
      }
    } catch (error) {
      log().error({ err: error }, "reconciliation failed");
    } finally {
      reconcileTimer = setTimeout(() => void run(false), more ? 0 : RECONCILE_EVERY_MS);
      reconcileTimer.unref();
    }
  };
  reconcileTimer = setTimeout(() => void run(true), 0);
  reconcileTimer.unref();
}

/**
 * With Inngest, ask for a reconcile run at boot: callbacks stored but not processed when the last
 * process stopped (a restart between acknowledgement and processing) settle now, not at the next
 * 5-minute run. Without Inngest, startInProcessReconciliation drains them at boot instead. A failed
 * send is only logged: the scheduled run still comes.
 */
export async function requestReconciliationAtBoot(
  options: {
    configured?: () => boolean;
    send?: (event: { name: string; data: Record<string, unknown> }) => Promise<unknown>;
  } = {},
): Promise<void> {
  if (!(options.configured ?? inngestConfigured)()) return;
  const send = options.send ?? ((event) => getInngest().send(event));
  try {
    await send({
      name: reconcileRequestedEvent.name,
      data: reconcileRequestedEvent.data.parse({ reason: "boot" }),
    });
  } catch (error) {
    log().error(
      { err: error, event: reconcileRequestedEvent.name },
      "could not ask for a reconcile run at boot",
    );
  }
}

let pullInterval: NodeJS.Timeout | undefined;
/** As Inngest's schedule-pull-transactions: every 30 minutes. */
const PULL_EVERY_MS = 30 * 60_000;

/**
 * Without Inngest, pull M-Pesa's record for every merchant with credentials every 30 minutes
 * (started at boot), one merchant at a time; a merchant whose pull fails is logged and tried again
 * at the next run, from where its last successful pull ended.
 */
export function startInProcessPulls(): void {
  if (pullInterval || inngestConfigured()) return;
  let running = false;
  pullInterval = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const { db, deps } = appBackgroundContext();
      for (const { merchantId } of await findMerchantsToPull(db)) {
        try {
          const counts = await pullTransactions({ ...deps, db }, { merchantId });
          if (counts.newRecords > 0) log().info({ merchantId, counts }, "pulled M-Pesa transactions");
        } catch (error) {
          log().error({ err: error, merchantId }, "Pull Transactions failed; the next run tries again");
        }
      }
    } catch (error) {
      log().error({ err: error }, "scheduled Pull Transactions failed");
    } finally {
      running = false;
    }
  }, PULL_EVERY_MS);
  pullInterval.unref();
}

let webhookSweeps: { stop: () => Promise<void> } | undefined;

/**
 * Without Inngest, send due webhook deliveries from this process (started at boot): new events
 * within seconds, retries when their back-off ends, each endpoint in its own lane, the next sweep
 * at once while there is due work (lib/webhooks/run-webhook-sweeps.ts). The schedule is in the
 * database, so a restart loses nothing; an attempt cut off by a restart is tried again after its
 * claim runs out.
 */
export function startInProcessWebhooks(): void {
  if (webhookSweeps || inngestConfigured()) return;
  webhookSweeps = runWebhookSweeps(() => ({ db: appBackgroundContext().db, deps: webhookDeps() }), {
    onAttempt: countWebhookAttempt,
    onSweep: (counts) => {
      if (counts.attempted > 0) log().info({ counts }, "webhook deliveries attempted");
    },
    onError: (error) => log().error({ err: error }, "webhook sweep failed; the next one tries again"),
  });
}
