// The in-process stand-in for the submit function's declared concurrency and throttle
// (inngest/functions/submit-payout.ts), used when Inngest is not configured.

export interface SubmitPacer {
  /**
   * Runs `task` after the merchant's earlier tasks, one at a time, starting at most `perSecond`
   * tasks a second for that merchant. Other merchants are not held up.
   */
  schedule<T>(merchantId: string, perSecond: number, task: () => Promise<T>): Promise<T>;
}

export function createSubmitPacer(
  clock: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): SubmitPacer {
  const now = clock.now ?? Date.now;
  const sleep = clock.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const lanes = new Map<string, { tail: Promise<unknown>; lastStart: number; queued: number }>();
  return {
    schedule(merchantId, perSecond, task) {
      const lane = lanes.get(merchantId) ?? { tail: Promise.resolve(), lastStart: -Infinity, queued: 0 };
      lanes.set(merchantId, lane);
      const gapMs = 1000 / Math.max(1, perSecond);
      lane.queued += 1;
      const run = lane.tail.then(async () => {
        const wait = lane.lastStart + gapMs - now();
        if (wait > 0) await sleep(wait);
        lane.lastStart = now();
        return task();
      });
      // The next task waits for this one whatever its outcome; an idle lane is forgotten.
      lane.tail = run
        .catch(() => undefined)
        .finally(() => {
          lane.queued -= 1;
          if (lane.queued === 0 && lanes.get(merchantId) === lane) lanes.delete(merchantId);
        });
      return run;
    },
  };
}
