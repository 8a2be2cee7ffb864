import type { CallbackInbox } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { tracingActive, withStoredTrace } from "../../observability/tracing";
import { isUuid } from "../../validation/id";
import { type DarajaResult, parseResult, parseStkCallback } from "../daraja/inbound";
import { readStatusResult } from "../daraja/payout-result";

const PAYOUT_KINDS = new Set(["b2c_result", "b2c_timeout", "b2b_result", "b2b_timeout", "status_result"]);

/**
 * Runs a stored callback's settlement as part of the trace that initiated the payment or payout
 * (its stored traceparent), linked to the trace processing the callback: M-Pesa sends no trace
 * headers, so this is how one trace reaches from initiation to webhook. Looks nothing up when no
 * tracer is registered; without a stored trace (C2B, reversals, an unknown row) the settlement is
 * an ordinary span under the active one.
 */
export async function continueCallbackTrace<T>(
  db: DbClient,
  options: { entry: CallbackInbox; body: unknown },
  work: () => Promise<T>,
): Promise<T> {
  const { entry } = options;
  const subject = entry.kind === "stk" ? "payment" : PAYOUT_KINDS.has(entry.kind) ? "payout" : "callback";
  const stored = tracingActive() ? await findStoredTrace(db, options) : null;
  return withStoredTrace(
    stored?.traceContext,
    stored ? `${subject} settle` : "callback settle",
    {
      "malipo.inbox_id": entry.id,
      "malipo.callback.kind": entry.kind,
      ...(stored ? { [`malipo.${subject}_id`]: stored.id } : {}),
    },
    work,
  );
}

/** The payment or payout this callback is about, as far as its ids tell without locking it. */
async function findStoredTrace(
  db: DbClient,
  options: { entry: CallbackInbox; body: unknown },
): Promise<{ id: string; traceContext: string | null } | null> {
  const { entry, body } = options;
  if (!entry.merchantId) return null;
  const select = { id: true, traceContext: true } as const;
  if (entry.kind === "stk") {
    const parsed = parseStkCallback(body);
    if (!parsed.ok) return null;
    return db.payment.findFirst({
      where: { merchantId: entry.merchantId, checkoutRequestId: parsed.value.checkoutRequestId },
      select,
    });
  }
  if (!PAYOUT_KINDS.has(entry.kind)) return null;
  const parsed = parseResult(body);
  if (!parsed.ok) return null;
  const ids = payoutIds(entry.kind, parsed.value);
  const or = [
    ...(ids.payoutId ? [{ id: ids.payoutId }] : []),
    ...(ids.originatorConversationId ? [{ originatorConversationId: ids.originatorConversationId }] : []),
    ...(ids.conversationId ? [{ conversationId: ids.conversationId }] : []),
  ];
  if (or.length === 0) return null;
  return db.payout.findFirst({
    where: { merchantId: entry.merchantId, OR: or },
    orderBy: { createdAt: "asc" },
    select,
  });
}

/** A status answer's own ids belong to the query: the payout is named among its parameters. */
function payoutIds(kind: CallbackInbox["kind"], result: DarajaResult) {
  if (kind !== "status_result") {
    const { originatorConversationId, conversationId } = result;
    return { payoutId: null, originatorConversationId, conversationId };
  }
  const details = readStatusResult(result);
  return {
    payoutId: details.occasion && isUuid(details.occasion) ? details.occasion : null,
    originatorConversationId: details.originalOriginatorConversationId,
    conversationId: details.originalConversationId,
  };
}
