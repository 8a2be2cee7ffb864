// Daraja callbacks: authenticate, store the raw body, acknowledge at once, process afterwards.
import { afterCallbackStored } from "@/lib/background";
import { getIngestDb } from "@/lib/db";
import { withRequest } from "@/lib/logger";
import { handleCallbackRequest } from "@/lib/payments/callbacks/handle-callback-request";
import { readCallbackBody } from "@/lib/payments/callbacks/read-callback-body";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { clientIp } from "@/lib/security/client-ip";

const HEADERS_KEPT = ["content-type", "user-agent", "x-forwarded-for", "x-request-id"];

export async function POST(
  request: Request,
  { params }: { params: Promise<{ kind: string; merchantId: string; secret: string }> },
) {
  const { kind: path, merchantId, secret } = await params;
  const { log } = withRequest(request.headers, { route: "mpesa-callback", kind: path, merchantId });
  const sourceIp = clientIp(request.headers);
  const runtime = paymentsRuntime();
  const read = await readCallbackBody(request); // capped: refused before reading when too large
  const result = await handleCallbackRequest(getIngestDb(), {
    path,
    merchantId,
    secret,
    body: read.ok ? read.body : null,
    size: read.size,
    log,
    sourceIp,
    headers: Object.fromEntries(
      HEADERS_KEPT.flatMap((h) => (request.headers.get(h) ? [[h, request.headers.get(h) ?? ""]] : [])),
    ),
    allowlist: runtime.allowlist,
    spoolDir: runtime.spoolDir,
  });
  if (result.refused) log.warn({ sourceIp, reason: result.refused, size: read.size }, "callback refused");
  if (result.status === 200 && !result.inboxId) log.error("database unavailable: callback spooled to disk");
  if (result.inboxId && result.kind !== "c2b_validation") afterCallbackStored(result.inboxId);
  // Too large: close the connection rather than have the server read and discard the rest.
  const headers = result.status === 413 ? { Connection: "close" } : undefined;
  return Response.json(result.body, { status: result.status, headers });
}
