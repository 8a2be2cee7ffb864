import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSubmitPacer, maxInFlight } from "@/lib/payments/payouts/submit-pacer";

/** The most start times (ms) falling in any half-open 1 s window. */
function busiest(starts: number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("the in-process submit pacer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts N tasks at R a second on the grid, never more than R in any second", async () => {
    const pacer = createSubmitPacer();
    const t0 = Date.now();
    const starts: number[] = [];
    const done = Promise.all(
      Array.from({ length: 100 }, () =>
        pacer.schedule("m", 20, async () => {
          starts.push(Date.now());
        }),
      ),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(starts).toEqual(Array.from({ length: 100 }, (_, k) => t0 + k * 50));
    expect(busiest(starts)).toBe(20);
  });

  it("keeps the grid when a timer fires late, without exceeding R in any second", async () => {
    let clock = 0;
    // Every wait overshoots by 7 ms, as timers do on a loaded machine.
    const pacer = createSubmitPacer({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms + 7;
      },
    });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, () =>
        pacer.schedule("m", 50, async () => {
          starts.push(clock);
        }),
      ),
    );
    expect(busiest(starts)).toBeLessThanOrEqual(50);
    // Scheduling each start from the previous actual start would take 199 × 27 ms = 5.4 s; on the
    // grid an overshoot costs once per second at most (where the 1 s window, not the grid, decides).
    const last = starts.at(-1) ?? 0;
    expect(last).toBeLessThanOrEqual(199 * 20 + 7 * 5);
    expect(last).toBeGreaterThanOrEqual(199 * 20);
  });

  it("keeps the window for the time a task sees as its start, even if the process paused first", async () => {
    let clock = 0;
    const pacer = createSubmitPacer({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, k) =>
        pacer.schedule("m", 5, async () => {
          if (k % 5 === 0) clock += 30; // paused between the pacer's decision and the task's first line
          starts.push(clock);
        }),
      ),
    );
    expect(busiest(starts)).toBeLessThanOrEqual(5);
  });

  it("does not let a slow task delay the next start, and keeps at most the cap in flight", async () => {
    const pacer = createSubmitPacer();
    const t0 = Date.now();
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    const done = Promise.all(
      Array.from({ length: 30 }, () =>
        pacer.schedule("m", 10, async () => {
          starts.push(Date.now());
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 450)); // 4.5 gaps long
          running -= 1;
        }),
      ),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(starts).toEqual(Array.from({ length: 30 }, (_, k) => t0 + k * 100));
    expect(most).toBe(5);
    expect(maxInFlight(10)).toBe(10);
  });

  it("holds a start back while the merchant already has the cap in flight", async () => {
    const pacer = createSubmitPacer();
    const t0 = Date.now();
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    const done = Promise.all(
      Array.from({ length: 12 }, () =>
        pacer.schedule("m", 4, async () => {
          starts.push(Date.now() - t0);
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 2000)); // far slower than the pace
          running -= 1;
        }),
      ),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(most).toBe(maxInFlight(4));
    // Four on the grid, then each waits for a free place: the grid restarts from then.
    expect(starts.slice(0, 6)).toEqual([0, 250, 500, 750, 2000, 2250]);
    expect(busiest(starts)).toBeLessThanOrEqual(4);
  });

  it("paces each merchant on its own", async () => {
    const pacer = createSubmitPacer();
    const t0 = Date.now();
    const starts: [string, number][] = [];
    const task = (m: string) => async () => {
      starts.push([m, Date.now() - t0]);
    };
    const done = Promise.all([
      pacer.schedule("a", 2, task("a")),
      pacer.schedule("a", 2, task("a")),
      pacer.schedule("a", 2, task("a")),
      pacer.schedule("b", 2, task("b")),
    ]);
    await vi.runAllTimersAsync();
    await done;
    expect(starts.filter(([m]) => m === "a").map(([, t]) => t)).toEqual([0, 500, 1000]);
    expect(starts.filter(([m]) => m === "b").map(([, t]) => t)).toEqual([0]);
  });

  it("remembers a merchant's last second after its lane went idle", async () => {
    const pacer = createSubmitPacer();
    const t0 = Date.now();
    const starts: number[] = [];
    const task = async () => {
      starts.push(Date.now() - t0);
    };
    const first = Promise.all([pacer.schedule("m", 2, task), pacer.schedule("m", 2, task)]);
    await vi.runAllTimersAsync();
    await first;
    await vi.advanceTimersByTimeAsync(100); // idle at 600 ms: a third start must wait for 1000 ms
    const third = pacer.schedule("m", 2, task);
    await vi.runAllTimersAsync();
    await third;
    expect(starts).toEqual([0, 500, 1000]);
  });

  it("keeps going after a task fails", async () => {
    vi.useRealTimers();
    const pacer = createSubmitPacer({ sleep: async () => {} });
    await expect(pacer.schedule("m", 5, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(pacer.schedule("m", 5, async () => "next")).resolves.toBe("next");
  });
});
