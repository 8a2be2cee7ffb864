import type { DbClient } from "../../db-types";
import { maskPhonesInText } from "../../redact";
import { CALLBACK_KIND_LABELS } from "../callbacks/callback-kind-labels";
import { findPaymentReversals } from "../reversals/find-payment-reversals";
import { reversalTimelineEvents } from "../reversals/reversal-timeline-events";

export interface TimelineEvent {
  at: Date;
  kind: "created" | "daraja_call" | "callback" | "settled" | "review" | "reversal";
  title: string;
  detail?: string;
  /** Raw callback body; phone numbers masked unless the viewer may see them in full. */
  body?: string;
}

/**
 * Everything that happened to one payment, oldest first: its story for a person looking into it,
 * its reversals (refunds) and their callbacks included; the reversals are returned too.
 * Phone numbers in what it shows are masked, inside ids too (a CheckoutRequestID ends in the
 * payer's number), whatever the role: roles that may see full numbers reveal one on request,
 * audited (reveal-payment-phone.ts).
 */
export async function getPaymentTimeline(db: DbClient, options: { merchantId: string; paymentId: string }) {
  const payment = await db.payment.findFirst({
    where: { id: options.paymentId, merchantId: options.merchantId },
  });
  if (!payment) return null;
  const externalId = payment.checkoutRequestId;
  const [calls, stkCallbacks, reviews, reversals] = await Promise.all([
    externalId
      ? db.darajaCall.findMany({
          where: { merchantId: options.merchantId, externalId },
          orderBy: { startedAt: "asc" },
        })
      : [],
    externalId
      ? db.callbackInbox.findMany({
          where: { merchantId: options.merchantId, externalId },
          orderBy: { receivedAt: "asc" },
        })
      : [],
    db.reviewItem.findMany({
      where: { merchantId: options.merchantId, paymentId: payment.id },
      orderBy: { createdAt: "asc" },
    }),
    findPaymentReversals(db, { merchantId: options.merchantId, paymentId: payment.id }),
  ]);
  // A reversal's Result and queue timeout carry the conversation ids of our request.
  const reversalIds = reversals.flatMap((r) =>
    [r.originatorConversationId, r.conversationId].filter((id): id is string => id !== null),
  );
  const reversalCallbacks = reversalIds.length
    ? await db.callbackInbox.findMany({
        where: {
          merchantId: options.merchantId,
          kind: { in: ["reversal_result", "reversal_timeout"] },
          externalId: { in: reversalIds },
        },
        orderBy: { receivedAt: "asc" },
      })
    : [];
  const events: TimelineEvent[] = [
    {
      at: payment.createdAt,
      kind: "created",
      title: "Payment created",
      detail: `Reference ${payment.reference}`,
    },
  ];
  for (const call of calls) {
    const what = call.path.includes("stkpushquery")
      ? "Status asked (STK Query)"
      : call.path.includes("stkpush")
        ? "Prompt sent (STK Push)"
        : call.path;
    events.push({
      at: call.startedAt,
      kind: "daraja_call",
      title: what,
      detail: `HTTP ${call.status ?? "no answer"} in ${call.latencyMs} ms${call.error ? ` · ${maskPhonesInText(call.error)}` : ""}`,
    });
  }
  for (const cb of [...stkCallbacks, ...reversalCallbacks]) {
    events.push({
      at: cb.receivedAt,
      kind: "callback",
      title: `${cb.kind === "stk" ? "Callback" : CALLBACK_KIND_LABELS[cb.kind]} received (${cb.state})`,
      detail: cb.lastError === null ? undefined : maskPhonesInText(cb.lastError),
      body: maskPhonesInText(cb.body),
    });
  }
  if (payment.settledAt) {
    events.push({
      at: payment.settledAt,
      kind: "settled",
      // A reversed payment was paid when it settled; its reversal tells the rest.
      title: `Settled: ${payment.status === "reversed" ? "paid" : payment.status.replace("_", " ")}`,
      detail: payment.resultDesc ?? undefined,
    });
  }
  for (const review of reviews) {
    events.push({
      at: review.createdAt,
      kind: "review",
      title: `Put in review: ${review.kind.replace("_", " ")}`,
    });
    if (review.resolvedAt) {
      events.push({
        at: review.resolvedAt,
        kind: "review",
        title: `Review ${review.status}`,
        detail: review.note ?? undefined,
      });
    }
  }
  for (const reversal of reversals) {
    for (const event of reversalTimelineEvents(reversal)) events.push({ ...event, kind: "reversal" });
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { payment, events, reversals };
}
