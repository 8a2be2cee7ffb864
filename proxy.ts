// Gives every request an id (kept from X-Request-Id when a trusted edge set one) that logs and
// error pages can quote, and returns it to the caller.
import { type NextRequest, NextResponse } from "next/server";

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function proxy(request: NextRequest) {
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("x-request-id", requestId);
  return response;
}

// Daraja callbacks skip the proxy: they are answered on a hot path and log their own request id.
export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/mpesa/|api/hooks/).*)"],
};
