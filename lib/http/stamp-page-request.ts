// The request id and Content-Security-Policy of everything Next answers, stamped by the front
// server (scripts/serve.ts) before Next's handler runs. Next's proxy (middleware) did this before:
// a NextRequest, a copied header set and a rewritten response for every page and API call cost
// 1.5-3 ms of CPU a request on a 2-core machine (docs/performance.md), more than most pages' own
// query. Here it is three header writes on the Node request and response.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { contentSecurityPolicy, createNonce } from "./content-security-policy";

/** An id a trusted edge may have set (X-Request-Id); anything else is replaced by a fresh one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Paths that need neither: build assets and public/ files (no page, no log line), and Daraja
 * callbacks and webhook hooks, which log their own request id on their hot path.
 */
const UNSTAMPED =
  /^\/(?:_next\/(?:static|image)\/|_next\/image\?|api\/mpesa\/|api\/hooks\/|(?:favicon\.ico|icon\.svg|icon-192\.png|icon-512\.png|apple-touch-icon\.png|robots\.txt)(?:\?|$))/;

export function stampPageRequest(req: IncomingMessage, res: ServerResponse, options: { dev: boolean }): void {
  if (UNSTAMPED.test(req.url ?? "/")) return;
  const incoming = req.headers["x-request-id"];
  const requestId = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  const csp = contentSecurityPolicy({ nonce: createNonce(), dev: options.dev });
  req.headers["x-request-id"] = requestId;
  // Next reads the nonce from the request's policy and puts it on the scripts it renders
  // (node_modules/next/dist/server/route-modules/app-page/parse-request-headers.js).
  req.headers["content-security-policy"] = csp;
  res.setHeader("x-request-id", requestId);
  res.setHeader("content-security-policy", csp);
}
