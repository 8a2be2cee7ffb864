// Every page and API response passes here (Daraja callbacks and static files excepted, see the
// matcher): a request id (kept from X-Request-Id when a trusted edge set one) that logs and error
// pages can quote, and the Content-Security-Policy with this request's script nonce.
import { type NextRequest, NextResponse } from "next/server";
import { getEnv } from "@/lib/env";
import { contentSecurityPolicy, createNonce } from "@/lib/http/content-security-policy";

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function proxy(request: NextRequest) {
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  const csp = contentSecurityPolicy({ nonce: createNonce(), dev: getEnv().NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);
  // Next reads the nonce from the request's policy and puts it on the scripts it renders.
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("x-request-id", requestId);
  response.headers.set("content-security-policy", csp);
  return response;
}

// Daraja callbacks skip the proxy: they are answered on a hot path and log their own request id.
// Statement uploads skip it too: Next copies the body of every request its proxy sees into memory
// and cuts it at 10 MB (proxyClientMaxBodySize), and the upload route streams up to 50 MB.
// Files from public/ need neither a request id nor a policy.
export const config = {
  matcher: [
    "/((?!_next/static|_next/image|api/mpesa/|api/hooks/|api/dashboard/statements|favicon\\.ico|icon\\.svg|icon-192\\.png|icon-512\\.png|apple-touch-icon\\.png|robots\\.txt).*)",
  ],
};
