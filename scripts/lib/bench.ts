// What the bench scripts share: timing with peak memory, a process's CPU time, percentiles, and a
// server for a throwaway database.
import { readFileSync } from "node:fs";
import pg from "pg";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded-postgres";

const LOCAL_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";

/** Linux's USER_HZ, 100 on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The nearest-rank percentile `q` (0-1) of samples sorted ascending; 0 when there are none. */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** CPU time a process has used so far (user + system) in ms, from /proc (Linux); null when unreadable. */
export function processCpuMs(pid: number | string | undefined): number | null {
  if (!pid) return null;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Peak RSS and heap while `fn` runs, sampled every 5 ms (plus before and after). With `liveEveryMs`
 * (and node --expose-gc) it also forces a collection that often and keeps the largest heap left
 * after one: the live set, which is what "bounded memory" is about (a peak heap also counts garbage
 * V8 has not collected yet).
 */
export async function measure<T>(fn: () => Promise<T>, options: { liveEveryMs?: number } = {}) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  let live = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 5);
  const collector =
    gc && options.liveEveryMs
      ? setInterval(() => {
          sample();
          gc();
          live = Math.max(live, process.memoryUsage().heapUsed);
        }, options.liveEveryMs)
      : undefined;
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  clearInterval(timer);
  clearInterval(collector);
  sample();
  return { result, ms, rssPeak: rss, heapPeak: heap, heapGrowth: heap - before.heapUsed, liveHeapPeak: live };
}
export type Measured = Awaited<ReturnType<typeof measure>>;

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** One result line: label, time, peak RSS, peak heap (and its growth over the start), live heap if sampled. */
export const line = (label: string, m: Measured) =>
  `  ${label.padEnd(44)} ${`${m.ms.toFixed(0)} ms`.padStart(8)}   peak RSS ${mb(m.rssPeak).padStart(6)}   peak heap ${mb(m.heapPeak).padStart(6)} (+${mb(m.heapGrowth)})${m.liveHeapPeak ? `   live heap ${mb(m.liveHeapPeak)}` : ""}`;

/**
 * A server to create the throwaway database on: `named` (--database-url or DATABASE_URL), else
 * PostgreSQL on 127.0.0.1:5432, else a throwaway embedded PostgreSQL.
 */
export async function pickServer(
  named: string | undefined,
): Promise<{ serverUrl: string; embedded?: EmbeddedPostgres; source: string }> {
  if (named) return { serverUrl: named, source: "the given server" };
  const probe = new pg.Client({ connectionString: LOCAL_SERVER, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    await probe.end();
    return { serverUrl: LOCAL_SERVER, source: "PostgreSQL on 127.0.0.1:5432" };
  } catch {
    const embedded = await startEmbeddedPostgres({ persistent: false });
    return { serverUrl: embedded.url, embedded, source: "a throwaway embedded PostgreSQL" };
  }
}

/** Drops the throwaway database (connections and all) and says so. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  console.log(`\ndropped ${name}`);
}

/** Runs a bench's `main`, exiting 0 when it is done, 1 on an error or after `giveUpMs`. */
export function runBench(name: string, giveUpMs: number, main: () => Promise<void>): void {
  setTimeout(() => {
    console.error(`${name}: gave up after ${giveUpMs / 60_000} minutes`);
    process.exit(1);
  }, giveUpMs).unref();
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
