// Daraja callbacks: authenticate, store the raw body, acknowledge at once, process afterwards.
import { afterCallbackStored } from "@/lib/background";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { withRequest } from "@/lib/logger";
import { receiveCallback } from "@/lib/payments/receive-callback";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { clientIp } from "@/lib/security/client-ip";

const KINDS = {
  stk: "stk",
  "c2b-validation": "c2b_validation",
  "c2b-confirmation": "c2b_confirmation",
  "b2c-result": "b2c_result",
  "b2c-timeout": "b2c_timeout",
} as const;

const HEADERS_KEPT = ["content-type", "user-agent", "x-forwarded-for", "x-request-id"];

export async function POST(
  request: Request,
  { params }: { params: Promise<{ kind: string; merchantId: string; secret: string }> },
) {
  const { kind: kindParam, merchantId, secret } = await params;
  const { log } = withRequest(request.headers, { route: "mpesa-callback", kind: kindParam, merchantId });
  const kind = KINDS[kindParam as keyof typeof KINDS];
  if (!kind) return Response.json({ ResultCode: 1, ResultDesc: "Unknown callback" }, { status: 404 });
  const body = await request.text();
  const sourceIp = clientIp(request.headers, getEnv().TRUSTED_PROXY_HOPS);
  const runtime = paymentsRuntime();
  const received = await receiveCallback(getDb(), {
    kind,
    merchantId,
    secret,
    body,
    sourceIp,
    headers: Object.fromEntries(
      HEADERS_KEPT.flatMap((h) => (request.headers.get(h) ? [[h, request.headers.get(h) ?? ""]] : [])),
    ),
    allowlist: runtime.allowlist,
    spoolDir: runtime.spoolDir,
  });
  if (!received.accepted) {
    log.warn({ sourceIp, reason: received.reason }, "callback refused");
    return Response.json({ ResultCode: 1, ResultDesc: "Forbidden" }, { status: 403 });
  }
  if (received.spooled) log.error("database unavailable: callback spooled to disk");
  if (received.inboxId) afterCallbackStored(received.inboxId);
  return Response.json(received.ack);
}
