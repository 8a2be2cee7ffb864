// The fuzz drill (npm run drill:fuzz: 10,000 bodies) at CI size: hostile bodies at every callback
// and /api/v1 endpoint answer no 5xx, crash nothing, and every authenticated callback is stored.
// DRILL_FUZZ_BODIES and DRILL_FUZZ_SEED are how scripts/drills/fuzz.ts runs it full size.
import { afterAll, describe, expect, it, vi } from "vitest";
import { runFuzzDrill } from "../../scripts/drills/fuzz";
import { runAfterTasks, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

stubAppEnv(testDatabaseUrl());
vi.stubEnv("DISABLE_RATE_LIMITS", "true");

const BODIES = Number(process.env.DRILL_FUZZ_BODIES ?? 250);
const SEED = Number(process.env.DRILL_FUZZ_SEED ?? 14);

describe("drill: fuzzed bodies", () => {
  afterAll(async () => {
    const { callbackQueueIdle } = await import("@/lib/background/callback-queue");
    await callbackQueueIdle();
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  it(`answers ${BODIES} hostile bodies without a 5xx and stores every authenticated callback`, async () => {
    const { callbackQueueIdle } = await import("@/lib/background/callback-queue");
    const report = await runFuzzDrill(testDb(), {
      bodies: BODIES,
      seed: SEED,
      runAfterTasks: async () => {
        await runAfterTasks();
        await callbackQueueIdle();
      },
      log: BODIES > 1000 ? (line) => console.log(line) : undefined,
    });
    if (BODIES > 1000) console.log(JSON.stringify(report, null, 2));
    expect(report.failures).toEqual([]);
    expect(report.callbacks.stored).toBe(report.callbacks.authenticated);
  });
});
