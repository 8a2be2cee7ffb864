// Daraja callbacks: authenticate, store the raw body, acknowledge at once, process afterwards.
import { afterCallbackStored } from "@/lib/background";
import { getIngestDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { withRequest } from "@/lib/logger";
import { handleCallbackRequest } from "@/lib/payments/handle-callback-request";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { clientIp } from "@/lib/security/client-ip";

const HEADERS_KEPT = ["content-type", "user-agent", "x-forwarded-for", "x-request-id"];

export async function POST(
  request: Request,
  { params }: { params: Promise<{ kind: string; merchantId: string; secret: string }> },
) {
  const { kind: path, merchantId, secret } = await params;
  const { log } = withRequest(request.headers, { route: "mpesa-callback", kind: path, merchantId });
  const sourceIp = clientIp(request.headers, getEnv().TRUSTED_PROXY_HOPS);
  const runtime = paymentsRuntime();
  const result = await handleCallbackRequest(getIngestDb(), {
    path,
    merchantId,
    secret,
    body: await request.text(),
    sourceIp,
    headers: Object.fromEntries(
      HEADERS_KEPT.flatMap((h) => (request.headers.get(h) ? [[h, request.headers.get(h) ?? ""]] : [])),
    ),
    allowlist: runtime.allowlist,
    spoolDir: runtime.spoolDir,
  });
  if (result.status === 403) log.warn({ sourceIp }, "callback refused");
  if (result.status === 200 && !result.inboxId) log.error("database unavailable: callback spooled to disk");
  if (result.inboxId && result.kind !== "c2b_validation") afterCallbackStored(result.inboxId);
  return Response.json(result.body, { status: result.status });
}
