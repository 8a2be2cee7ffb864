// Connects the payments core's observer hook to this process's metrics and traces. Idempotent;
// called from boot (instrumentation.ts) and from paymentsRuntime(), whichever a bundle runs first.
import { setPaymentsObserver } from "../payments/observer";
import { darajaCallLabels } from "./daraja-call-labels";
import { darajaCallSeconds, darajaCalls, settlementSeconds } from "./metrics";
import { recordFinishedSpan } from "./tracing";

export function installObservability(): void {
  setPaymentsObserver({
    darajaCall(call) {
      const { api, result } = darajaCallLabels(call);
      darajaCalls.inc({ api, result });
      darajaCallSeconds.observe({ api }, call.latencyMs / 1000);
      recordFinishedSpan(`daraja ${api}`, {
        start: call.startedAt,
        durationMs: call.latencyMs,
        error: call.error,
        attributes: {
          "malipo.daraja.api": api,
          "malipo.daraja.result": result,
          ...(call.status === null ? {} : { "http.response.status_code": call.status }),
          ...(call.ids.merchantRequestId
            ? { "malipo.daraja.merchant_request_id": call.ids.merchantRequestId }
            : {}),
          ...(call.ids.checkoutRequestId
            ? { "malipo.daraja.checkout_request_id": call.ids.checkoutRequestId }
            : {}),
          ...(call.ids.conversationId ? { "malipo.daraja.conversation_id": call.ids.conversationId } : {}),
          ...(call.ids.originatorConversationId
            ? { "malipo.daraja.originator_conversation_id": call.ids.originatorConversationId }
            : {}),
        },
      });
    },
    settled(settlement) {
      const seconds = Math.max(0, (settlement.settledAt.getTime() - settlement.startedAt.getTime()) / 1000);
      settlementSeconds.observe({ kind: settlement.kind, status: settlement.status }, seconds);
      recordFinishedSpan(`${settlement.kind}.settled`, {
        start: settlement.settledAt,
        durationMs: 0,
        attributes: {
          [`malipo.${settlement.kind}_id`]: settlement.id,
          "malipo.status": settlement.status,
          "malipo.settlement_seconds": seconds,
        },
      });
    },
  });
}
