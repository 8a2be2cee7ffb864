// A hook for whoever watches the payments core (metrics, tracing), without the core knowing who.
// Framework-free: the host installs one observer per process (lib/observability/install.ts); with
// none installed every report is a no-op. An observer must never throw into money code.
import type { DarajaCallRecord } from "./daraja/transport";

export interface Settlement {
  kind: "payment" | "payout";
  /** The payment's or payout's id. */
  id: string;
  /** The final status written (paid, failed, cancelled, …). */
  status: string;
  /** When the money movement started (the row's creation). */
  startedAt: Date;
  settledAt: Date;
}

export interface PaymentsObserver {
  darajaCall?(call: DarajaCallRecord): void;
  settled?(settlement: Settlement): void;
}

const holder = globalThis as unknown as { malipoPaymentsObserver?: PaymentsObserver };

export function setPaymentsObserver(observer: PaymentsObserver | undefined): void {
  holder.malipoPaymentsObserver = observer;
}

function safely(report: () => void): void {
  try {
    report();
  } catch {
    // Watching must never break the work being watched.
  }
}

export function reportDarajaCall(call: DarajaCallRecord): void {
  const observer = holder.malipoPaymentsObserver;
  if (observer?.darajaCall) safely(() => observer.darajaCall?.(call));
}

export function reportSettled(settlement: Settlement): void {
  const observer = holder.malipoPaymentsObserver;
  if (observer?.settled) safely(() => observer.settled?.(settlement));
}
