// A refused callback (wrong secret, address not allowed, unknown merchant, too large) is kept as a
// row an owner can see, so an attack or a misconfigured URL shows up on the Callbacks page. Only
// what identifies the attempt is kept, never the body or the secret, and the rows are bounded:
// per source address and per process in memory here, by age and per merchant on every
// reconciliation run (prune-refused-callbacks.ts).
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";
import type { CoreLog } from "../deps";

export const REFUSAL_REASONS = [
  "too_large",
  "wrong_secret",
  "unknown_merchant",
  "address_not_allowed",
  "unknown_kind",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Rows written per source address a minute; refusals past it are only counted in a log line. */
export const REFUSED_RECORDS_PER_IP_PER_MINUTE = 30;
/** Rows written a minute from all addresses together, so rotating addresses cannot flood the table. */
export const REFUSED_RECORDS_PER_MINUTE = 300;
const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;

export interface RefusedCallback {
  /** As named in the URL; kept only when it is one of our merchants. */
  merchantId: string;
  /** The callback kind as requested (`stk`, `c2b-confirmation`, …). */
  path: string;
  sourceIp: string | null;
  /** Bytes declared or read before refusing. */
  size: number;
  reason: RefusalReason;
  /** When it arrived, if not now (a spooled callback refused when drained). */
  receivedAt?: Date;
}

type Window = { start: number; recorded: number; dropped: number };
const windows = new Map<string, Window>();
let lastSweep = 0;

function windowFor(key: string, now: number): Window | null {
  let window = windows.get(key);
  if (!window || now - window.start >= WINDOW_MS) {
    if (!window && windows.size >= MAX_TRACKED_ADDRESSES) return null;
    window = { start: now, recorded: 0, dropped: 0 };
    windows.set(key, window);
  }
  return window;
}

/** Reports, once each window has ended, how many refusals were not recorded, and forgets it. */
function sweep(now: number, log: CoreLog | undefined): void {
  if (now - lastSweep < WINDOW_MS) return;
  lastSweep = now;
  for (const [key, window] of windows) {
    if (now - window.start < WINDOW_MS) continue;
    if (window.dropped > 0)
      log?.warn(
        { sourceIp: key === "*" ? "all addresses" : key, notRecorded: window.dropped },
        "refused callbacks over the record limit were not recorded",
      );
    windows.delete(key);
  }
}

/** True when this refusal may be written; counts it against its address and the total. */
function allow(sourceIp: string | null, now: number, log: CoreLog | undefined): boolean {
  sweep(now, log);
  const total = windowFor("*", now) as Window;
  const address = windowFor(sourceIp ?? "unknown", now);
  if (!address || address.recorded >= REFUSED_RECORDS_PER_IP_PER_MINUTE) {
    if (address && address.dropped === 0)
      log?.warn(
        { sourceIp, limit: REFUSED_RECORDS_PER_IP_PER_MINUTE },
        "refused callbacks from this address are no longer recorded this minute",
      );
    if (address) address.dropped += 1;
    return false;
  }
  if (total.recorded >= REFUSED_RECORDS_PER_MINUTE) {
    if (total.dropped === 0)
      log?.warn(
        { limit: REFUSED_RECORDS_PER_MINUTE },
        "refused callbacks are no longer recorded this minute",
      );
    total.dropped += 1;
    return false;
  }
  address.recorded += 1;
  total.recorded += 1;
  return true;
}

/** Empties the in-memory limits (tests). */
export function forgetRefusedCallbackLimits(): void {
  windows.clear();
  lastSweep = 0;
}

/**
 * Records one refused callback, unless its address (or everyone together) is over the limit for
 * this minute. Callers answering a request must not wait for it: fire and forget, logging a
 * failure, so recording never slows or fails the answer.
 */
export async function recordRefusedCallback(
  db: DbClient,
  refusal: RefusedCallback,
  options: { log?: CoreLog } = {},
): Promise<"recorded" | "rate_limited"> {
  if (!allow(refusal.sourceIp, Date.now(), options.log)) return "rate_limited";
  const merchant = isUuid(refusal.merchantId)
    ? await db.merchant.findUnique({ where: { id: refusal.merchantId }, select: { id: true } })
    : null;
  await db.refusedCallback.create({
    data: {
      merchantId: merchant?.id ?? null,
      // From the URL, so anything: printable ASCII only (PostgreSQL refuses NUL), cut short.
      path: refusal.path.replace(/[^\x20-\x7e]/g, "?").slice(0, 40),
      sourceIp: refusal.sourceIp?.slice(0, 64) ?? null,
      size: Math.max(0, Math.min(Math.trunc(refusal.size), 2 ** 31 - 1)),
      reason: refusal.reason,
      receivedAt: refusal.receivedAt ?? new Date(),
    },
  });
  return "recorded";
}
