// Daraja callbacks: authenticate, store the raw body, acknowledge at once, process afterwards.
import type { Span } from "@opentelemetry/api";
import { afterCallbackStored } from "@/lib/background";
import { getIngestDb } from "@/lib/db";
import { withRequest } from "@/lib/logger";
import { callbackOutcome, observeCallback } from "@/lib/observability/observe-callback";
import { withSpan } from "@/lib/observability/tracing";
import { handleCallbackRequest } from "@/lib/payments/callbacks/handle-callback-request";
import { readCallbackBody } from "@/lib/payments/callbacks/read-callback-body";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { clientIp } from "@/lib/security/client-ip";

const HEADERS_KEPT = ["content-type", "user-agent", "x-forwarded-for", "x-request-id"];

type Params = { params: Promise<{ kind: string; merchantId: string; secret: string }> };

export async function POST(request: Request, { params }: Params) {
  const started = performance.now();
  const { kind: path, merchantId, secret } = await params;
  // The processing handed off below (in this process) joins this span's trace.
  return withSpan(
    "callback receive",
    { "malipo.callback.path": path, "malipo.merchant_id": merchantId },
    (span) => receive(request, { path, merchantId, secret, started, span }),
  );
}

async function receive(
  request: Request,
  options: { path: string; merchantId: string; secret: string; started: number; span: Span },
) {
  const { path, merchantId, secret } = options;
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
  const outcome = callbackOutcome(result);
  observeCallback({ kind: result.kind, outcome, seconds: (performance.now() - options.started) / 1000 });
  options.span.setAttributes({
    "malipo.callback.outcome": outcome,
    ...(result.inboxId ? { "malipo.inbox_id": result.inboxId } : {}),
  });
  // Too large: close the connection rather than have the server read and discard the rest.
  const headers = result.status === 413 ? { Connection: "close" } : undefined;
  return Response.json(result.body, { status: result.status, headers });
}
