import { callbackAckSeconds, callbacksReceived } from "./metrics";

export type CallbackOutcome = "stored" | "refused" | "spooled";

/** What became of a callback request: refused, stored in the inbox, or spooled to disk (database down). */
export function callbackOutcome(answer: {
  status: number;
  inboxId: string | null;
  refused: unknown;
}): CallbackOutcome {
  if (answer.refused) return "refused";
  return answer.inboxId ? "stored" : "spooled";
}

/** Counts a callback by kind and outcome and observes how long its acknowledgement took. */
export function observeCallback(options: {
  kind: string | null;
  outcome: CallbackOutcome;
  seconds: number;
}): void {
  const kind = options.kind ?? "unknown";
  callbacksReceived.inc({ kind, outcome: options.outcome });
  callbackAckSeconds.observe({ kind }, options.seconds);
}
