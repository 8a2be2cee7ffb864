// POST /api/v1/payments: prompt a customer (STK Push). GET: list payments, newest first.
import { createPaymentSchema, paymentListQuerySchema } from "@/lib/api/contracts/payments";
import { apiRoute } from "@/lib/api/route";
import { afterStkInitiated } from "@/lib/background";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { findPayments } from "@/lib/payments/collections/find-payments";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import { paymentsRuntime } from "@/lib/payments-runtime";

export const POST = apiRoute("payments:write", async ({ request, caller }) => {
  const input = createPaymentSchema.parse(await request.json());
  const idempotencyKey = request.headers.get("idempotency-key");
  if (idempotencyKey && !/^[\w.:-]{1,100}$/.test(idempotencyKey)) {
    throw new AppError("bad_request", "Idempotency-Key must be 1-100 letters, digits or . _ : -", {
      field: "Idempotency-Key",
    });
  }
  // The per-phone prompt limit is counted in the core, after validation and idempotency.
  const payment = await initiateStkPayment(getDb(), paymentsRuntime().deps, {
    merchantId: caller.merchantId,
    ...input,
    idempotencyKey,
  });
  if (payment.status === "pending") afterStkInitiated(payment.id);
  return Response.json(toPaymentResource(payment), { status: 201 });
});

export const GET = apiRoute("payments:read", async ({ request, caller }) => {
  const query = paymentListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await findPayments(getDb(), { merchantId: caller.merchantId, ...query });
  return Response.json({
    object: "list",
    data: page.data.map(toPaymentResource),
    nextCursor: page.nextCursor,
  });
});
