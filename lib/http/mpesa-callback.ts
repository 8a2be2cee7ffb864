// The Daraja callback endpoint, /api/mpesa/<kind>/<merchantId>/<secret>: one function answers
// it whichever server takes the request, so the two cannot drift. Under `npm start` the front
// server's route below answers it before Next (scripts/serve.ts), so an acknowledgement skips
// Next's routing, Request/Response objects and response compression, and does not queue behind
// pages; under `npm run dev` and in tests, Next's route handler
// (app/api/mpesa/[kind]/[merchantId]/[secret]/route.ts) does.
import type { IncomingMessage, ServerResponse } from "node:http";
import { acknowledging, processStoredCallback } from "../background/callback-queue";
import { getCallbackWriter, getIngestDb } from "../db";
import { lazyRequestLog } from "../logger";
import { callbackOutcome, observeCallback } from "../observability/observe-callback";
import { withSpan } from "../observability/tracing";
import { handleCallbackRequest } from "../payments/callbacks/handle-callback-request";
import { type CallbackBody, readCallbackStream } from "../payments/callbacks/read-callback-body";
import { paymentsRuntime } from "../payments-runtime";
import { clientIp } from "../security/client-ip";
import type { FrontRoute } from "./front-server";

const HEADERS_KEPT = ["content-type", "user-agent", "x-forwarded-for", "x-request-id"];

export interface CallbackHttpRequest {
  /** The URL's segments after /api/mpesa/, decoded. */
  path: string;
  merchantId: string;
  secret: string;
  /** The request's headers, the client address stamped by the front server among them. */
  headers: Headers;
  /** Reads the body under the size cap (read-callback-body.ts). */
  readBody: () => Promise<CallbackBody>;
  /** performance.now() when the request arrived. */
  started: number;
}

export interface CallbackHttpAnswer {
  status: number;
  body: object;
  headers: Record<string, string>;
}

/**
 * Everything the callback endpoint does, around handleCallbackRequest: the size cap, the logs and
 * metrics, the trace span, and the hand-off to processing of what was stored (`handOff` runs the
 * processing after the response: Next's after() there, the next turn of the event loop here).
 */
export function answerMpesaCallback(
  request: CallbackHttpRequest,
  options: { handOff: (inboxId: string) => void },
): Promise<CallbackHttpAnswer> {
  const { path, merchantId } = request;
  // The processing handed off below (in this process) joins this span's trace.
  return acknowledging(() =>
    withSpan(
      "callback receive",
      { "malipo.callback.path": path, "malipo.merchant_id": merchantId },
      async (span) => {
        const log = lazyRequestLog(request.headers, { route: "mpesa-callback", kind: path, merchantId });
        const sourceIp = clientIp(request.headers);
        const runtime = paymentsRuntime();
        const read = await request.readBody(); // capped: refused before reading when too large
        const result = await handleCallbackRequest(getIngestDb(), {
          record: getCallbackWriter(),
          path,
          merchantId,
          secret: request.secret,
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
        if (result.refused)
          log.warn({ sourceIp, reason: result.refused, size: read.size }, "callback refused");
        if (result.status === 200 && !result.inboxId)
          log.error({}, "database unavailable: callback spooled to disk");
        if (result.inboxId && result.kind !== "c2b_validation") options.handOff(result.inboxId);
        const outcome = callbackOutcome(result);
        observeCallback({
          kind: result.kind,
          outcome,
          seconds: (performance.now() - request.started) / 1000,
        });
        span.setAttributes({
          "malipo.callback.outcome": outcome,
          ...(result.inboxId ? { "malipo.inbox_id": result.inboxId } : {}),
        });
        // Too large: close the connection rather than have the server read and discard the rest.
        const headers: Record<string, string> = { "Content-Type": "application/json" };
        if (result.status === 413) headers.Connection = "close";
        return { status: result.status, body: result.body, headers };
      },
    ),
  );
}

export const MPESA_CALLBACK_PREFIX = "/api/mpesa/";

/** The route's three segments, decoded as Next decodes them; null for any other shape (Next answers it). */
export function callbackSegments(url: string): { path: string; merchantId: string; secret: string } | null {
  const pathname = url.split("?", 1)[0] ?? "";
  if (!pathname.startsWith(MPESA_CALLBACK_PREFIX)) return null;
  const segments = pathname.slice(MPESA_CALLBACK_PREFIX.length).split("/");
  if (segments.length !== 3 || segments.some((s) => s === "")) return null;
  try {
    const [path = "", merchantId = "", secret = ""] = segments.map(decodeURIComponent);
    return { path, merchantId, secret };
  } catch {
    return null; // malformed escapes: Next's answer
  }
}

/**
 * A node:http request's headers as a Headers object, from `req.headers` (repeats already joined
 * as Next joins them, and the client address the front server stamped there).
 */
function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    try {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    } catch {
      // a value fetch's Headers refuses: left out
    }
  }
  return headers;
}

/**
 * The front server's route for Daraja callbacks: POSTs in the route's shape are answered here,
 * anything else (another method or shape) is left to Next. `handOff` defaults to this process's
 * callback queue.
 */
export function mpesaCallbackRoute(options: { handOff?: (inboxId: string) => void } = {}): FrontRoute {
  const handOff = options.handOff ?? processStoredCallback;
  return {
    prefix: MPESA_CALLBACK_PREFIX,
    accepts: (req) => req.method === "POST" && callbackSegments(req.url ?? "") !== null,
    handle: async (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      const segments = callbackSegments(req.url ?? "");
      if (!segments) throw new Error("not a callback URL"); // accepts() said it was
      const answer = await answerMpesaCallback(
        { ...segments, headers: headersOf(req), readBody: () => readCallbackStream(req), started },
        { handOff },
      );
      const body = JSON.stringify(answer.body);
      res.writeHead(answer.status, { ...answer.headers, "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    },
  };
}
