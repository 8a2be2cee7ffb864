// The in-process stand-in for the submit function's declared throttle and concurrency
// (inngest/functions/submit-payout.ts), used when Inngest is not configured.

export interface SubmitPacer {
  /**
   * Runs `task` at the merchant's pace: its tasks start in order, on a grid `1000 / perSecond` ms
   * apart, never more than `perSecond` in any 1 s window, with at most `maxInFlight(perSecond)`
   * of them running at once. Other merchants are not held up.
   */
  schedule<T>(merchantId: string, perSecond: number, task: () => Promise<T>): Promise<T>;
}

/**
 * Sends one merchant may have running at once: one second's worth at its pace, so a send that
 * takes up to a second does not slow the rate. The submit function declares the same limit as its
 * per-merchant concurrency.
 */
export function maxInFlight(perSecond: number): number {
  return Math.max(1, Math.floor(perSecond));
}

interface Lane {
  queue: (() => void)[];
  running: number;
  /** The grid slot the last start was given (not when it actually started). */
  lastSlot: number;
  /** The slot of the task waiting at the head of the queue, once it has room to run. */
  headSlot: number | null;
  /** Actual start times of the last `perSecond` starts, oldest first. */
  recent: number[];
  waiting: boolean;
}

/**
 * Starts are scheduled on a fixed grid: a task's slot is max(previous slot + gap, now), with "now"
 * read when the task is at the head of the queue and has room to run. A late timer therefore delays
 * one start, not every start after it (the grid catches up), and catching up is bounded by the
 * window rule: a start waits until the start `perSecond` starts before it is 1 s old.
 */
export function createSubmitPacer(
  clock: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): SubmitPacer {
  // Monotonic and below a millisecond: Date.now's whole milliseconds would let a start at x.9 ms
  // and one at x+1000 ms fall within one second.
  const now = clock.now ?? (() => performance.now());
  const sleep = clock.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const lanes = new Map<string, Lane>();

  /** Forgets lanes with nothing queued or running whose last start is over a second old. */
  const sweep = (t: number) => {
    for (const [key, lane] of lanes) {
      const last = lane.recent.at(-1) ?? Number.NEGATIVE_INFINITY;
      if (lane.queue.length === 0 && lane.running === 0 && !lane.waiting && t - last >= 1000)
        lanes.delete(key);
    }
  };

  const pump = (lane: Lane, perSecond: number) => {
    if (lane.waiting) return;
    const gapMs = 1000 / perSecond;
    while (lane.queue.length > 0 && lane.running < maxInFlight(perSecond)) {
      const t = now();
      lane.headSlot ??= Math.max(lane.lastSlot + gapMs, t);
      const windowOpens =
        lane.recent.length >= perSecond ? (lane.recent[lane.recent.length - perSecond] ?? 0) + 1000 : 0;
      const at = Math.max(lane.headSlot, windowOpens);
      if (at > t) {
        lane.waiting = true;
        void sleep(at - t).then(() => {
          lane.waiting = false;
          pump(lane, perSecond);
        });
        return;
      }
      lane.lastSlot = lane.headSlot;
      lane.headSlot = null;
      lane.running += 1;
      lane.queue.shift()?.();
      // Counted once the task's synchronous start has run: if the process is paused in between
      // (a loaded machine), the window still holds for any moment the task itself sees as its start.
      lane.recent.push(now());
      if (lane.recent.length > perSecond) lane.recent.splice(0, lane.recent.length - perSecond);
    }
  };

  return {
    schedule<T>(merchantId: string, perSecond: number, task: () => Promise<T>): Promise<T> {
      const pace = Math.max(1, Math.floor(perSecond));
      sweep(now());
      let lane = lanes.get(merchantId);
      if (!lane) {
        lane = {
          queue: [],
          running: 0,
          lastSlot: Number.NEGATIVE_INFINITY,
          headSlot: null,
          recent: [],
          waiting: false,
        };
        lanes.set(merchantId, lane);
      }
      const own = lane;
      return new Promise<T>((resolve, reject) => {
        own.queue.push(() => {
          // Called at once, so the task starts at the time the pacer counted; a task that throws
          // synchronously is a failed task, like one that rejects.
          let started: Promise<T>;
          try {
            started = task();
          } catch (error) {
            started = Promise.reject(error);
          }
          started.then(resolve, reject).finally(() => {
            own.running -= 1;
            pump(own, pace);
          });
        });
        pump(own, pace);
      });
    },
  };
}
