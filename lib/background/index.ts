// Background work after a request: through Inngest when it is configured, otherwise in this
// process with the same core functions (timers for follow-ups, an interval for reconciliation),
// so the zero-setup default settles payments too. In-process timers die with the process;
// reconciliation picks up whatever they had not finished. The Inngest side of each event is a
// function in inngest/functions that calls the same core operation.
import "server-only";
import { after } from "next/server";
import { getLogger } from "../logger";
import { processInboxEntry } from "../payments/callbacks/process-inbox-entry";
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
import { reconcilePayments } from "../payments/reconciliation/reconcile-payments";
import { getInngest, inngestConfigured } from "./client";
import { appBackgroundContext, type BackgroundContext } from "./context";
import {
  type BackgroundEvent,
  callbackReceivedEvent,
  payoutApprovedEvent,
  stkInitiatedEvent,
} from "./events";

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

/** A callback is stored: process it after the response is sent. */
export function afterCallbackStored(inboxId: string): void {
  handOff(callbackReceivedEvent, { inboxId }, ({ db, deps }) =>
    inProcess(() => processInboxEntry(db, { keyring: deps.keyring, inboxId })),
  );
}

/** An STK prompt went out: follow it up (query if no callback) until it settles or times out. */
export function afterStkInitiated(paymentId: string): void {
  handOff(stkInitiatedEvent, { paymentId }, async ({ db, deps }) => {
    const delays = [FOLLOW_UP_FIRST_WAIT_SECONDS, ...FOLLOW_UP_BACK_OFF_SECONDS];
    const attempt = (index: number) => {
      const seconds = delays[index];
      if (seconds === undefined) return;
      setTimeout(async () => {
        try {
          const result = await followUpStkPayment(db, deps, { paymentId });
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

/** Follows a sent payout up on the same schedule as Inngest's follow-up-payout function. */
function followUpHere(context: BackgroundContext, payoutId: string, index = 0): void {
  const seconds = FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS[index];
  if (seconds === undefined) return; // reconciliation takes over
  setTimeout(async () => {
    try {
      const result = await followUpPayout(context.db, context.deps, { payoutId });
      if (result !== "settled" && result !== "gave_up") followUpHere(context, payoutId, index + 1);
    } catch (error) {
      log().error({ err: error, payoutId }, "payout follow-up failed; reconciliation will retry");
    }
  }, seconds * 1000).unref();
}

/** Sends one payout at the merchant's pace, retrying a send M-Pesa certainly did not take. */
async function submitHere(
  context: BackgroundContext,
  payout: { id: string; merchantId: string; submitPerSecond: number },
  attempt = 0,
): Promise<void> {
  const result = await payoutPacer.schedule(payout.merchantId, payout.submitPerSecond, () =>
    submitPayout(context.db, context.deps, { payoutId: payout.id, merchantId: payout.merchantId }),
  );
  const status = result.outcome === "skipped" ? result.status : result.payout.status;
  if (status === "submitted" || status === "unknown") followUpHere(context, payout.id);
  const retryIn = NOT_SENT_RETRY_SECONDS[attempt];
  if (result.outcome === "not_sent" && retryIn !== undefined) {
    setTimeout(() => {
      submitHere(context, payout, attempt + 1).catch((error: unknown) =>
        log().error({ err: error, payoutId: payout.id }, "payout submission failed"),
      );
    }, retryIn * 1000).unref();
  }
}

/**
 * Payouts were approved: send each to Daraja (Inngest's submit-payout function, or here at the
 * merchant's PayoutPolicy.submitPerSecond, one at a time per merchant) and follow it up.
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

let interval: NodeJS.Timeout | undefined;

/** Without Inngest, reconcile every minute inside the server (started at boot). */
export function startInProcessReconciliation(): void {
  if (interval || inngestConfigured()) return;
  let running = false;
  interval = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const { db, deps, spoolDir } = appBackgroundContext();
      const counts = await reconcilePayments(db, deps, { spoolDir });
      if (counts.queried + counts.inboxProcessed + counts.spoolDrained + counts.unsent > 0)
        log().info({ counts }, "reconciled");
      const stranded = await findStrandedPayouts(db);
      if (stranded.length > 0) await handPayoutsOn(stranded.map((s) => s.payoutId));
    } catch (error) {
      log().error({ err: error }, "reconciliation failed");
    } finally {
      running = false;
    }
  }, 60_000);
  interval.unref();
}
